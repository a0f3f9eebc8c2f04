package io.sipedge.http.api;

/**
 * Handles one matched request. Runs on the API's worker pool (never on a Netty event loop), so it
 * may call blocking Directory writes; it returns once the work is done, and the response is sent
 * only then. Expected failures are thrown as {@link ApiException}.
 */
@FunctionalInterface
public interface Handler {
    ApiResponse handle(ApiRequest request);
}

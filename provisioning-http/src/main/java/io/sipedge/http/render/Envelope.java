package io.sipedge.http.render;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.http.api.ApiException;
import java.util.Map;

/**
 * The crossbar envelope every response carries, errors included (devices seed):
 * {@code {"auth_token", "data", "status", "request_id"}}, plus {@code error} and {@code message}
 * on errors and the paging keys on lists.
 */
public final class Envelope {
    private Envelope() {
    }

    public static byte[] success(String authToken, Object data, Map<String, Object> extras, String requestId) {
        ObjectNode n = Json.object();
        n.put("auth_token", authToken == null ? "" : authToken);
        n.set("data", Json.MAPPER.valueToTree(data == null ? Map.of() : data));
        extras.forEach((k, v) -> n.set(k, Json.MAPPER.valueToTree(v)));
        n.put("status", "success");
        n.put("request_id", requestId);
        return Json.bytes(n);
    }

    public static byte[] error(String authToken, ApiException e, String requestId) {
        ObjectNode n = Json.object();
        n.put("auth_token", authToken == null ? "" : authToken);
        n.set("data", Json.MAPPER.valueToTree(e.data()));
        n.put("error", e.error());
        n.put("message", e.getMessage());
        n.put("status", "error");
        n.put("request_id", requestId);
        return Json.bytes(n);
    }
}

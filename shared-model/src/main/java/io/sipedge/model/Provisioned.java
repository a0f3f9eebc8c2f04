package io.sipedge.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * When and by whom a device was first provisioned (its first successful provisioning fetch).
 *
 * @param at        time of the fetch
 * @param ip        the fetching client's address
 * @param userAgent its User-Agent, or null when it sent none
 */
public record Provisioned(Instant at, String ip, String userAgent) {
    public Provisioned {
        requireNonNull(at, "at");
        requireNonNull(ip, "ip");
    }
}

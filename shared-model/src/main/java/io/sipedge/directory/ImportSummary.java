package io.sipedge.directory;

/** What an import did. */
public record ImportSummary(int tenantsCreated, int devicesCreated, int devicesUpdated) {
}

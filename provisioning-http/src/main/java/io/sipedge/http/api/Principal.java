package io.sipedge.http.api;

/**
 * Who a token speaks for: the admin (every account) or one account.
 *
 * @param accountId the account of an account-key token; null for the admin
 */
public record Principal(String accountId) {
    public static final Principal ADMIN = new Principal(null);

    public static Principal account(String accountId) {
        return new Principal(java.util.Objects.requireNonNull(accountId, "accountId"));
    }

    public boolean isAdmin() {
        return accountId == null;
    }

    /** True when this principal may see the account (the admin sees all of them). */
    public boolean sees(String account) {
        return isAdmin() || accountId.equals(account);
    }

    /** For the access log: never a token, only whose it is. */
    @Override
    public String toString() {
        return isAdmin() ? "admin" : "account:" + accountId;
    }
}

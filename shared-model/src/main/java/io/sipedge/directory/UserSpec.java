package io.sipedge.directory;

import io.sipedge.model.User;
import io.sipedge.model.rules.TenantRules;
import io.sipedge.model.rules.UserRules;
import io.sipedge.model.rules.Violation;
import java.util.ArrayList;
import java.util.List;

/**
 * What a caller asks a user to be. {@code password} is the clear password, hashed by the
 * Directory; null on update keeps the stored hash. Optional texts are null when absent.
 * {@link #toString()} hides the password.
 */
public record UserSpec(String username, String firstName, String lastName, String email, String password,
                       User.Role role, boolean enabled, String ms365Binding) {

    /** Every rule the spec breaks; the password rules when a password is required or given. */
    public List<Violation> violations(boolean passwordRequired) {
        List<Violation> v = new ArrayList<>(TenantRules.username("username", username));
        v.addAll(UserRules.name("first_name", firstName));
        v.addAll(UserRules.name("last_name", lastName));
        v.addAll(UserRules.email("email", email));
        if (passwordRequired || password != null) {
            v.addAll(UserRules.password("password", password));
        }
        if (role == null) {
            v.add(new Violation("role", "enum", "must be admin or user"));
        }
        v.addAll(UserRules.ms365Binding("ms365_binding", ms365Binding));
        return v;
    }

    @Override
    public String toString() {
        return "UserSpec[username=" + username + ", role=" + role + ", enabled=" + enabled + ", password=<redacted>]";
    }
}

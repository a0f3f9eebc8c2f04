package io.sipedge.loadtest.register;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.Properties;

/**
 * What a phone keeps between its refreshes (RFC 3261 §10.2.4: the same Call-ID for every REGISTER
 * of a boot cycle, the CSeq one higher each time), kept in a file from run to run. Without it
 * each run is a fleet that has just rebooted: new Call-IDs, CSeq from 1. A benchmark made of many
 * short runs is otherwise a series of reboot storms, not the refreshes a registrar mostly serves.
 *
 * <p>The file holds the Call-ID tag shared by all users ({@code <tag>-<user hex>@...}) and the
 * next CSeq, one number for all users: the highest any user reached, plus one.
 *
 * @param callIdTag the Call-ID part shared by every user (8 hex digits)
 * @param nextCseq  the CSeq each user's next REGISTER starts from
 */
record PhoneState(String callIdTag, int nextCseq) {
    /** Past this the CSeq would near 2^31 (RFC 3261 §8.1.1.5): the phones "reboot" instead. */
    static final int CSEQ_LIMIT = 2_000_000_000;

    /** The state in {@code file}, or a new boot cycle when the file does not exist yet. */
    static PhoneState load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            return reboot();
        }
        String tag = p.getProperty("call_id_tag", "");
        String next = p.getProperty("next_cseq", "");
        if (!tag.matches("[0-9a-f]{8}") || !next.matches("[0-9]{1,10}") || Long.parseLong(next) >= CSEQ_LIMIT
                || Long.parseLong(next) < 1) {
            return reboot();
        }
        return new PhoneState(tag, Integer.parseInt(next));
    }

    static PhoneState reboot() {
        return new PhoneState(String.format(Locale.ROOT, "%08x", new SecureRandom().nextInt()), 1);
    }

    /** Records that the highest CSeq sent was {@code highest}, replacing the file whole. */
    void save(Path file, int highest) throws IOException {
        PhoneState after = highest + 1 >= CSEQ_LIMIT ? reboot() : new PhoneState(callIdTag, Math.max(nextCseq, highest + 1));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, "call_id_tag=" + after.callIdTag + "\nnext_cseq=" + after.nextCseq + "\n",
                StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

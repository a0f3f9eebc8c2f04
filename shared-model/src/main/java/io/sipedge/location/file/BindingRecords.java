package io.sipedge.location.file;

import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The bindings files' record: {@code int length, int crc32c, payload}, the payload one AOR with all
 * its bindings (none: the AOR has none any more), every field in a fixed order, strings as a length
 * and UTF-8 bytes. The first payload byte is the format's version.
 */
final class BindingRecords {
    private static final int FORMAT = 1;

    private BindingRecords() {
    }

    static int crc(byte[] payload) {
        CRC32C c = new CRC32C();
        c.update(payload);
        return (int) c.getValue();
    }

    /** Writes records to a stream. */
    static final class Writer {
        private final OutputStream out;
        private final ByteArrayOutputStream payload = new ByteArrayOutputStream(512);
        private final DataOutputStream data = new DataOutputStream(payload);

        Writer(OutputStream out) {
            this.out = out;
        }

        void write(Aor aor, List<Binding> bindings) throws IOException {
            payload.reset();
            data.writeByte(FORMAT);
            text(aor.user());
            text(aor.domain());
            data.writeInt(bindings.size());
            for (Binding b : bindings) {
                Flow f = b.flow();
                text(b.contact());
                text(f.transport().name());
                text(f.remoteIp());
                data.writeInt(f.remotePort());
                data.writeBoolean(f.open());
                Instant expires = b.expiresAt();
                data.writeLong(expires.getEpochSecond());
                data.writeInt(expires.getNano());
                data.writeFloat(b.q());
                text(b.callId());
                data.writeLong(b.cseq());
                optional(b.instanceId());
                data.writeInt(b.regId());
                data.writeInt(b.path().size());
                for (String p : b.path()) {
                    text(p);
                }
                optional(b.userAgent());
                Instant registered = b.registeredAt();
                data.writeLong(registered.getEpochSecond());
                data.writeInt(registered.getNano());
            }
            data.flush();
            byte[] bytes = payload.toByteArray();
            DataOutputStream frame = new DataOutputStream(out);
            frame.writeInt(bytes.length);
            frame.writeInt(crc(bytes));
            frame.write(bytes);
            frame.flush();
        }

        private void text(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            data.writeInt(b.length);
            data.write(b);
        }

        private void optional(String s) throws IOException {
            data.writeBoolean(s != null);
            if (s != null) {
                text(s);
            }
        }
    }

    /** Reads one record's payload; any inconsistency is an exception, which ends the file. */
    static final class Reader {
        private final ByteBuffer in;

        Reader(ByteBuffer in) {
            this.in = in;
            int format = in.get();
            if (format != FORMAT) {
                throw new IllegalArgumentException("record format " + format);
            }
        }

        Aor aor() {
            return new Aor(text(), text());
        }

        List<Binding> bindings() {
            int n = count();
            List<Binding> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String contact = text();
                Transport transport = Transport.valueOf(text());
                String ip = text();
                int port = in.getInt();
                boolean open = in.get() != 0;
                Instant expires = Instant.ofEpochSecond(in.getLong(), in.getInt());
                float q = in.getFloat();
                String callId = text();
                long cseq = in.getLong();
                String instance = optional();
                int regId = in.getInt();
                int paths = count();
                List<String> path = new ArrayList<>(paths);
                for (int k = 0; k < paths; k++) {
                    path.add(text());
                }
                String userAgent = optional();
                Instant registered = Instant.ofEpochSecond(in.getLong(), in.getInt());
                out.add(new Binding(contact, new Flow(transport, ip, port, 0, "", open), expires, q, callId, cseq,
                        instance, regId, path, userAgent, registered));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the bindings");
            }
            return out;
        }

        private int count() {
            int n = in.getInt();
            if (n < 0 || n > in.remaining()) {
                throw new IllegalArgumentException("a count of " + n);
            }
            return n;
        }

        private String text() {
            int n = count();
            String s = new String(in.array(), in.arrayOffset() + in.position(), n, StandardCharsets.UTF_8);
            in.position(in.position() + n);
            return s;
        }

        private String optional() {
            return in.get() != 0 ? text() : null;
        }
    }
}

package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An edge out of file descriptors (a child process under {@code ulimit -n}) neither spins nor floods
 * its log: the accept loop pauses and says so once, and serves again once descriptors are free.
 */
class DescriptorExhaustionTest {
    private static final int OPEN_FILES = 256;

    @Test
    void anEdgeOutOfDescriptorsBacksOffAndRecovers() throws Exception {
        Path data = Files.createTempDirectory("sip-edge-fds");
        ChildEdge child = ChildEdge.spawn(OPEN_FILES, data, EdgeUnderTest.ADMIN_KEY,
                "--set", "sip.max-connections=100000", "--set", "sip.max-connections-per-ip=100000",
                "--set", "sip.connection-idle-timeout-ms=600000", "--set", "sip.listen-backlog=4096");
        List<Socket> held = new ArrayList<>();
        try {
            int port = child.awaitListening();
            for (int i = 0; i < 2 * OPEN_FILES; i++) {
                held.add(new Socket(InetAddress.getLoopbackAddress(), port)); // the kernel completes them
            }
            Thread.sleep(3000); // the edge has run out and is retrying
            String out = child.output();
            long failures = out.lines().filter(l -> l.contains("accepting connections failed")).count();
            assertTrue(failures >= 1, "running out of descriptors went unreported:\n" + out);
            assertTrue(failures <= 2 && out.lines().count() < 60, "the log is flooded:\n" + out);
            for (Socket s : held) {
                s.close();
            }
            held.clear();
            assertTrue(answersOptions(port), "the edge did not serve again once descriptors were free:\n"
                    + child.output());
        } finally {
            for (Socket s : held) {
                s.close();
            }
            child.kill();
        }
    }

    /** An OPTIONS to the edge over a new TCP connection gets its 200 within a few seconds. */
    private static boolean answersOptions(int port) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(2000);
                String req = "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:" + s.getLocalPort()
                        + ";branch=z9hG4bK-fd\r\nMax-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=1\r\n"
                        + "To: <sip:127.0.0.1>\r\nCall-ID: fd-probe\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
                OutputStream out = s.getOutputStream();
                out.write(req.getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                byte[] buf = new byte[64];
                int n = in.read(buf);
                if (n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("SIP/2.0 200")) {
                    return true;
                }
            } catch (IOException e) {
                // not yet
            }
            Thread.sleep(200);
        }
        return false;
    }
}

package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.Result;
import com.google.zxing.ResultMetadataType;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** What a phone (or a browser showing a QR code) does against the provisioning routes, and how tests read the answers. */
final class ProvisioningClient {
    static final String NS = "http://www.linphone.org/xsds/lpconfig.xsd";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final int port;

    ProvisioningClient(int port) {
        this.port = port;
    }

    /** GET of a path (with query) on the edge's HTTP port, with extra headers as name, value pairs. */
    HttpResponse<byte[]> get(String pathAndQuery, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(15)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A phone's fetch: with the x-linphone-provisioning header and a Linphone-like User-Agent. */
    HttpResponse<byte[]> fetch(String pathAndQuery) throws Exception {
        return get(pathAndQuery, "x-linphone-provisioning", "true", "User-Agent", "LinphoneTest/5.3 (sip-edge it)");
    }

    /** The path and query of a URL the API returned (its host is the configured public one). */
    static String pathOf(String url) {
        URI u = URI.create(url);
        return u.getRawPath().replaceFirst("^/sip", "") + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }

    /** A parsed provisioning document: section → entry → value, checking namespace and overwrite on the way. */
    record Config(Document doc, Map<String, Map<String, String>> sections) {
        String get(String section, String entry) {
            Map<String, String> s = sections.get(section);
            return s == null ? null : s.get(entry);
        }

        boolean has(String section) {
            return sections.containsKey(section);
        }
    }

    static Config parse(byte[] xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        Element root = doc.getDocumentElement();
        assertEquals(NS, root.getNamespaceURI());
        assertEquals("config", root.getLocalName());
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        NodeList sections = root.getElementsByTagNameNS(NS, "section");
        for (int i = 0; i < sections.getLength(); i++) {
            Element s = (Element) sections.item(i);
            Map<String, String> entries = new LinkedHashMap<>();
            NodeList es = s.getElementsByTagNameNS(NS, "entry");
            for (int j = 0; j < es.getLength(); j++) {
                Element e = (Element) es.item(j);
                assertEquals("true", e.getAttribute("overwrite"), "entry " + e.getAttribute("name"));
                entries.put(e.getAttribute("name"), e.getTextContent());
            }
            out.put(s.getAttribute("name"), entries);
        }
        return new Config(doc, out);
    }

    /** A decoded QR code: its text and error correction level. */
    record Qr(String text, String errorCorrection, int width, int height) {
    }

    /**
     * Decodes a QR code PNG the edge rendered. PURE_BARCODE: the image is the code itself (quiet
     * zone, whole-module scaling), not a photo; the finder-pattern search TRY_HARDER runs on a photo
     * misreads about one random provisioning URL in a hundred (ChecksumException, NotFoundException),
     * which made the round-trip tests flaky.
     */
    static Qr decode(byte[] png) throws Exception {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        int w = img.getWidth();
        int h = img.getHeight();
        int[] px = img.getRGB(0, 0, w, h, null, 0, w);
        Result r = new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(w, h, px))),
                Map.of(DecodeHintType.PURE_BARCODE, Boolean.TRUE, DecodeHintType.CHARACTER_SET, "UTF-8"));
        Object ec = r.getResultMetadata().get(ResultMetadataType.ERROR_CORRECTION_LEVEL);
        return new Qr(r.getText(), String.valueOf(ec), w, h);
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    /**
     * An Authorization header computed from an HA1 (what a phone configured with ha1= does), for
     * the challenge of {@code algorithm} in {@code challenge}.
     */
    static String authorizationFromHa1(SipTestClient.SipResponse challenge, String user, String ha1, String uri,
                                       String algorithm, String method) {
        Map<String, String> c = challenge.challenge(algorithm);
        if (c == null) {
            throw new AssertionError("no " + algorithm + " challenge in\n" + challenge.raw());
        }
        return "Authorization: " + digest(c, user, ha1, uri, algorithm, method);
    }

    /** The Digest credentials (without the header name) for challenge parameters {@code c}. */
    static String digest(Map<String, String> c, String user, String ha1, String uri, String algorithm, String method) {
        String cnonce = SipTestClient.randomHex(8);
        String nc = "00000001";
        String ha2 = SipTestClient.hash(algorithm, method + ":" + uri);
        String response = SipTestClient.hash(algorithm, ha1 + ":" + c.get("nonce") + ":" + nc + ":" + cnonce
                + ":auth:" + ha2);
        return "Digest username=\"" + user + "\", realm=\"" + c.get("realm") + "\", nonce=\"" + c.get("nonce")
                + "\", uri=\"" + uri + "\", response=\"" + response + "\", algorithm=" + algorithm
                + ", qop=auth, nc=" + nc + ", cnonce=\"" + cnonce + "\"";
    }
}

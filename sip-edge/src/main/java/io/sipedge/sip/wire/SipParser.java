package io.sipedge.sip.wire;

import gov.nist.core.CommonLogger;
import gov.nist.javax.sip.header.SIPHeaderList;
import gov.nist.javax.sip.header.CSeq;
import gov.nist.javax.sip.header.CallID;
import gov.nist.javax.sip.header.ContentLength;
import gov.nist.javax.sip.header.From;
import gov.nist.javax.sip.header.RequestLine;
import gov.nist.javax.sip.header.StatusLine;
import gov.nist.javax.sip.header.To;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.ParseExceptionListener;
import gov.nist.javax.sip.parser.StringMsgParser;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Set;

/**
 * JAIN-SIP's message parser behind a guard: the edge reads every message that is not a REGISTER of
 * the common shape ({@link RawRegister}) with it.
 *
 * <p>Why a guard: releases of the RI parse some headers recursively, and upstream fixed crafted
 * datagrams whose nesting overflowed the parser's stack; a {@code StackOverflowError} escaping to
 * a reader thread would end it. We could not make 1.3.0-91 overflow with 25 header shapes nested
 * 60 000 deep, so this is defence in depth: nesting no legitimate header needs is refused before
 * parsing, and a {@code StackOverflowError} or runtime exception the parser still throws becomes a
 * {@link ParseException}. A request missing a mandatory header is refused here too (the RI logged
 * the whole packet before noticing), a broken mandatory header fails the message while another
 * broken header is kept aside as unparsed text (the RI's channels' rule), and a SIP version other
 * than 2.0 is kept, so the dispatcher answers 505 (the RI's parser silently reports 2.0). Size is
 * not its business: the transport bounds every message first.
 */
public final class SipParser {

    /** Deepest nesting of {@code <} or {@code (} accepted; RFC 3261 grammar needs 2 or 3. */
    static final int MAX_NESTING = 16;

    /** The headers whose parse failure fails the whole message (the RI's channels' list). */
    private static final Set<Class<?>> MANDATORY = Set.of(From.class, To.class, CSeq.class, Via.class, CallID.class,
            ContentLength.class, RequestLine.class, StatusLine.class);

    /** Fails the message on a broken mandatory header; parks any other broken header as unparsed text. */
    private static final ParseExceptionListener HEADER_ERRORS = (ex, message, headerClass, header, text) -> {
        if (headerClass != null && MANDATORY.contains(headerClass)) {
            throw ex;
        }
        message.addUnparsed(header);
    };

    static {
        // The RI's classes log through this static; unset, they would load log4j, which is not here.
        CommonLogger.legacyLogger = new Slf4jStackLogger();
        // Every Via, Route and Record-Route the edge writes from the stack's model on a line of its
        // own, as Kamailio writes them: Debian's linphonec 5.1 repeats the last value of a
        // comma-joined list in its answers, and JsSIP then drops a response with two Vias of its own.
        SIPHeaderList.setPrettyEncode(true);
    }

    private SipParser() {
    }

    /**
     * Parses one whole message (a datagram or a framed stream message).
     *
     * @throws ParseException when it is not a message the edge can answer from its parts
     */
    public static SIPMessage parse(byte[] msgBytes) throws ParseException {
        int at = tooDeep(msgBytes);
        if (at >= 0) {
            throw new ParseException("nesting deeper than " + MAX_NESTING, at);
        }
        String twice = repeatedSingleton(msgBytes);
        if (twice != null) {
            throw new ParseException("more than one " + twice + " header", 0); // the RI keeps one of them
        }
        SIPMessage m;
        try {
            m = new StringMsgParser().parseSIPMessage(msgBytes, true, false, HEADER_ERRORS);
        } catch (StackOverflowError | RuntimeException e) {
            throw new ParseException("unparseable message (" + e.getClass().getSimpleName() + ")", 0);
        }
        if (m == null) {
            throw new ParseException("no message", 0);
        }
        if (m instanceof SIPRequest r) {
            if (r.getCSeq() == null || r.getCallId() == null || r.getFrom() == null || r.getTo() == null
                    || r.getTopmostVia() == null) {
                throw new ParseException("a mandatory header is missing", 0);
            }
            String version = requestVersion(msgBytes);
            if (version != null && !"SIP/2.0".equalsIgnoreCase(version) && r.getRequestLine() != null) {
                r.getRequestLine().setSipVersion(version); // the dispatcher then answers 505
            }
        }
        return m;
    }

    /**
     * The first header that may appear once (RFC 3261 §7.3: To, From, Call-ID, CSeq, Max-Forwards,
     * Content-Length, long or compact) and appears again, or null. The RI keeps one silently, which
     * answers a request that is not the one sent (RFC 4475 §3.3.6 and §3.3.7 expect 400).
     */
    static String repeatedSingleton(byte[] b) {
        java.util.Set<String> seen = new java.util.HashSet<>(8);
        int i = 0;
        while (i < b.length && (b[i] & 0xff) < 0x20) {
            i++; // CRLFs before the start line
        }
        i = nextLine(b, i); // past the start line
        while (i < b.length && b[i] != '\r' && b[i] != '\n') {
            int lineEnd = nextLine(b, i);
            if (b[i] != ' ' && b[i] != '\t') {
                int colon = i;
                while (colon < lineEnd && b[colon] != ':') {
                    colon++;
                }
                String name = new String(b, i, colon - i, StandardCharsets.ISO_8859_1).strip()
                        .toLowerCase(java.util.Locale.ROOT);
                String single = switch (name) {
                    case "to", "t" -> "To";
                    case "from", "f" -> "From";
                    case "call-id", "i" -> "Call-ID";
                    case "cseq" -> "CSeq";
                    case "max-forwards" -> "Max-Forwards";
                    case "content-length", "l" -> "Content-Length";
                    default -> null;
                };
                if (single != null && !seen.add(single)) {
                    return single;
                }
            }
            i = lineEnd;
        }
        return null;
    }

    /** The index just past the line starting at {@code i} (its CRLF or LF), or the end. */
    private static int nextLine(byte[] b, int i) {
        while (i < b.length && b[i] != '\n') {
            i++;
        }
        return Math.min(b.length, i + 1);
    }

    /** The last word of the request line as sent (the RI's parser reports any version as SIP/2.0). */
    static String requestVersion(byte[] b) {
        int start = 0;
        while (start < b.length && (b[start] & 0xff) < 0x20) {
            start++;
        }
        int end = start;
        while (end < b.length && b[end] != '\r' && b[end] != '\n') {
            end++;
        }
        String line = new String(b, start, end - start, StandardCharsets.UTF_8).strip();
        int sp = line.lastIndexOf(' ');
        return sp < 0 ? null : line.substring(sp + 1);
    }

    /** The offset where {@code <} or {@code (} nesting first exceeds the limit, or -1. Headers only. */
    static int tooDeep(byte[] b) {
        int angle = 0;
        int paren = 0;
        int start = 0;
        // Like the RI's parser, skip leading control characters (CRLFs before the request line).
        while (start < b.length && (b[start] & 0xff) < 0x20) {
            start++;
        }
        for (int i = start; i < b.length; i++) {
            switch (b[i]) {
                case '<' -> {
                    if (++angle > MAX_NESTING) {
                        return i;
                    }
                }
                case '>' -> angle = Math.max(0, angle - 1);
                case '(' -> {
                    if (++paren > MAX_NESTING) {
                        return i;
                    }
                }
                case ')' -> paren = Math.max(0, paren - 1);
                case '\n' -> {
                    // A blank line ends the headers; a line starting with SP/HTAB continues the
                    // header (folding); any other line starts a new header, and nesting never spans headers.
                    if (i + 2 < b.length && (b[i + 1] == '\n' || (b[i + 1] == '\r' && b[i + 2] == '\n'))) {
                        return -1;
                    }
                    if (i + 1 < b.length && (b[i + 1] == ' ' || b[i + 1] == '\t')) {
                        break;
                    }
                    angle = 0;
                    paren = 0;
                }
                default -> {
                }
            }
        }
        return -1;
    }
}

package io.sipedge.sip.transport;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.MessageParser;
import gov.nist.javax.sip.parser.MessageParserFactory;
import gov.nist.javax.sip.parser.ParseExceptionListener;
import gov.nist.javax.sip.parser.StringMsgParser;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;

/**
 * Plugged in as {@code gov.nist.javax.sip.MESSAGE_PARSER_FACTORY}: JAIN-SIP's own parser behind a
 * guard.
 *
 * <p>Why: releases of the RI parse some headers recursively, and upstream fixed crafted datagrams
 * whose nesting overflowed the parser's stack; the channel threads catch only {@code Exception}, so
 * a {@code StackOverflowError} kills the UDP worker and, with a fixed pool, UDP goes deaf for good.
 * We could not make 1.3.0-91 overflow with 25 header shapes nested 60 000 deep, so this is defence
 * in depth: nesting no legitimate header needs is refused before parsing (400 on UDP), and a
 * {@code StackOverflowError} or runtime exception the parser still throws becomes a
 * {@link ParseException}. The guard also closes two holes of the RI: a request missing a mandatory
 * header is dropped here (the RI logged the whole packet before noticing); and a SIP version other
 * than 2.0 is kept, so the stack answers 505 (the RI's parser silently reports 2.0). Size is not
 * its business: {@link EdgeUdpMessageProcessor} receives whole datagrams and drops those over
 * {@code sip.max-message-size}, and {@link StreamFramer} bounds stream messages.
 */
public final class HardenedParserFactory implements MessageParserFactory {

    /** Deepest nesting of {@code <} or {@code (} accepted; RFC 3261 grammar needs 2 or 3. */
    static final int MAX_NESTING = 16;

    public HardenedParserFactory() {
        // Instantiated by the stack by class name.
    }

    @Override
    public MessageParser createMessageParser(SIPTransactionStack stack) {
        return new Guarded(new StringMsgParser());
    }

    private static final class Guarded implements MessageParser {
        private final MessageParser inner;

        Guarded(MessageParser inner) {
            this.inner = inner;
        }

        @Override
        public SIPMessage parseSIPMessage(byte[] msgBytes, boolean readBody, boolean strict,
                                          ParseExceptionListener exhandler) throws ParseException {
            int at = tooDeep(msgBytes);
            if (at >= 0) {
                throw new ParseException("nesting deeper than " + MAX_NESTING, at);
            }
            SIPMessage m;
            try {
                m = inner.parseSIPMessage(msgBytes, readBody, strict, exhandler);
            } catch (StackOverflowError | RuntimeException e) {
                throw new ParseException("unparseable message (" + e.getClass().getSimpleName() + ")", 0);
            }
            if (m instanceof SIPRequest r) {
                if (r.getCSeq() == null || r.getCallId() == null || r.getFrom() == null || r.getTo() == null
                        || r.getTopmostVia() == null) {
                    throw new ParseException("a mandatory header is missing", 0);
                }
                String version = requestVersion(msgBytes);
                if (version != null && !"SIP/2.0".equalsIgnoreCase(version) && r.getRequestLine() != null) {
                    r.getRequestLine().setSipVersion(version); // the stack then answers 505
                }
            }
            return m;
        }
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

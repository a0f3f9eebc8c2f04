package io.sipedge.sip.transport;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.parser.MessageParser;
import gov.nist.javax.sip.parser.MessageParserFactory;
import gov.nist.javax.sip.parser.ParseExceptionListener;
import gov.nist.javax.sip.parser.StringMsgParser;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import java.text.ParseException;

/**
 * Plugged in as {@code gov.nist.javax.sip.MESSAGE_PARSER_FACTORY}: JAIN-SIP's own parser behind a
 * guard.
 *
 * <p>Why: the RI release on Maven Central parses some headers recursively, so a datagram with
 * thousands of nested {@code <} or {@code (} overflows the stack; its channel threads catch only
 * {@code Exception}, so the {@code StackOverflowError} kills the UDP worker and, with a fixed pool,
 * UDP goes deaf for good. The guard refuses such nesting before parsing (no legitimate SIP header
 * nests angle brackets or comments more than a few levels) and turns any {@code Error} or runtime
 * exception the parser still throws into a {@link ParseException}, which the stack answers with
 * 400 where it can and drops otherwise.
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
            try {
                return inner.parseSIPMessage(msgBytes, readBody, strict, exhandler);
            } catch (StackOverflowError | RuntimeException e) {
                throw new ParseException("unparseable message (" + e.getClass().getSimpleName() + ")", 0);
            }
        }
    }

    /** The offset where {@code <} or {@code (} nesting first exceeds the limit, or -1. Headers only. */
    static int tooDeep(byte[] b) {
        int angle = 0;
        int paren = 0;
        for (int i = 0; i < b.length; i++) {
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
                    // A new header line starts: nesting never spans headers. A blank line ends the headers.
                    angle = 0;
                    paren = 0;
                    if (i + 2 < b.length && (b[i + 1] == '\n' || (b[i + 1] == '\r' && b[i + 2] == '\n'))) {
                        return -1;
                    }
                }
                default -> {
                }
            }
        }
        return -1;
    }
}

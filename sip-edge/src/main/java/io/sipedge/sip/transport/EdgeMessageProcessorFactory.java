package io.sipedge.sip.transport;

import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.stack.MessageProcessor;
import gov.nist.javax.sip.stack.MessageProcessorFactory;
import gov.nist.javax.sip.stack.OIOMessageProcessorFactory;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import io.sipedge.sip.transport.EdgeTcpMessageProcessor.TcpIngress;
import io.sipedge.sip.transport.EdgeUdpMessageProcessor.UdpIngress;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.util.Properties;
import javax.sip.ListeningPoint;

/**
 * Plugged in as {@code gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY}: UDP gets the
 * {@link EdgeUdpMessageProcessor}, TCP the {@link EdgeTcpMessageProcessor}, TLS the RI's own
 * processor. The stack creates this class by name, so its settings travel as extra stack properties
 * and the TCP processor finds its stack's {@link ReliableLanes} by stack name (see
 * {@link SipTransport}); a stack without lanes gets the RI's TCP processor.
 */
public final class EdgeMessageProcessorFactory implements MessageProcessorFactory {
    static final String UDP_QUEUE_CAPACITY = "io.sipedge.UDP_QUEUE_CAPACITY";
    static final String UDP_MAX_AGE_MS = "io.sipedge.UDP_MAX_AGE_MS";

    /** The framer's limit when the stack has none (MAX_MESSAGE_SIZE unset; the edge always sets it). */
    private static final int UNLIMITED_MESSAGE_SIZE = 1 << 20;

    private final MessageProcessorFactory stock = new OIOMessageProcessorFactory();

    public EdgeMessageProcessorFactory() {
        // Instantiated by the stack by class name.
    }

    @Override
    public MessageProcessor createMessageProcessor(SIPTransactionStack stack, InetAddress address, int port,
                                                   String transport) throws IOException {
        SipStackImpl impl = (SipStackImpl) stack;
        Properties p = impl.getConfigurationProperties();
        if (transport.equalsIgnoreCase(ListeningPoint.TCP)) {
            ReliableLanes lanes = ReliableLanes.of(impl.getStackName());
            if (lanes == null) {
                return stock.createMessageProcessor(stack, address, port, transport);
            }
            int max = stack.getMaxMessageSize();
            TcpIngress ingress = new TcpIngress(lanes, stack.getMessageParserFactory().createMessageParser(stack),
                    max > 0 ? max : UNLIMITED_MESSAGE_SIZE,
                    Math.max(0, Integer.parseInt(p.getProperty("gov.nist.javax.sip.READ_TIMEOUT", "0"))));
            return new EdgeTcpMessageProcessor(address, stack, port, impl.getStackName(), ingress);
        }
        if (!transport.equalsIgnoreCase(ListeningPoint.UDP)) {
            return stock.createMessageProcessor(stack, address, port, transport);
        }
        UdpIngress ingress = new UdpIngress(stack.getMaxMessageSize(),
                Integer.parseInt(p.getProperty("gov.nist.javax.sip.THREAD_POOL_SIZE")),
                Integer.parseInt(p.getProperty(UDP_QUEUE_CAPACITY)),
                Long.parseLong(p.getProperty(UDP_MAX_AGE_MS)), ReliableLanes.of(impl.getStackName()));
        EdgeUdpMessageProcessor processor = new EdgeUdpMessageProcessor(address, stack, port,
                impl.getStackName(), ingress);
        markUdpListening(stack);
        return processor;
    }

    /**
     * The RI's own factory sets the package-private {@code udpFlag}, which makes UDP responses leave
     * from the listening socket (so they pass back through the phone's NAT mapping) instead of a
     * fresh ephemeral socket. There is no public setter; without the flag replies would break NAT.
     */
    private static void markUdpListening(SIPTransactionStack stack) throws IOException {
        try {
            Field f = SIPTransactionStack.class.getDeclaredField("udpFlag");
            f.setAccessible(true);
            f.setBoolean(stack, true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IOException("cannot make the SIP stack reply from its UDP socket: " + e, e);
        }
    }
}

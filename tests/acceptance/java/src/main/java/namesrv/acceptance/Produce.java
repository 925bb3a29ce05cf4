package namesrv.acceptance;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageDecoder;

/**
 * Sends COUNT messages "acceptance-<i>" to TOPIC through the name server at NAMESRV, one every
 * INTERVAL_MS milliseconds (default 0), so that a test can change the name servers mid-run.
 */
public final class Produce {
    public static void main(String[] args) throws Exception {
        if (args.length != 3 && args.length != 4) {
            System.err.println("usage: Produce NAMESRV TOPIC COUNT [INTERVAL_MS]");
            System.exit(2);
        }
        String namesrv = args[0];
        String topic = args[1];
        int count = Integer.parseInt(args[2]);
        long intervalMs = args.length == 4 ? Long.parseLong(args[3]) : 0;
        DefaultMQProducer producer = new DefaultMQProducer("acceptance_producer");
        producer.setNamesrvAddr(namesrv);
        producer.setSendMsgTimeout(5000);
        producer.setRetryTimesWhenSendFailed(4);
        // -Dnamesrv.acceptance.pollNameServerInterval=MS: how often routes are re-read (the
        // client's default is 30 s, so after a failover sends go to the dead master that long).
        producer.setPollNameServerInterval(
                Integer.getInteger("namesrv.acceptance.pollNameServerInterval", 30000));
        producer.start();
        int ok = 0;
        try {
            for (int i = 0; i < count; i++) {
                Message msg = new Message(topic, "acceptance",
                        ("acceptance-" + i).getBytes(StandardCharsets.UTF_8));
                SendResult result = sendWithRetries(producer, msg);
                long ackedAtMs = System.currentTimeMillis();
                // "sent <i> <status> <msgId> <queue> storeHost=<addr> ackedAtMs=<ms>": a test
                // takes the acknowledged ones (SEND_OK) from these lines, and which broker
                // acknowledged each one when.
                System.out.println("sent " + i + " " + result.getSendStatus() + " "
                        + result.getMsgId() + " " + result.getMessageQueue()
                        + " storeHost=" + storeHost(result) + " ackedAtMs=" + ackedAtMs);
                if (result.getSendStatus() == SendStatus.SEND_OK) {
                    ok++;
                }
                if (intervalMs > 0) {
                    Thread.sleep(intervalMs);
                }
            }
        } finally {
            producer.shutdown();
        }
        System.out.println("SEND_OK " + ok + "/" + count);
        System.exit(ok == count ? 0 : 1);
    }

    /** The broker that stored the message, from the offset message id it answered. */
    private static String storeHost(SendResult result) {
        try {
            SocketAddress address = MessageDecoder.decodeMessageId(result.getOffsetMsgId()).getAddress();
            InetSocketAddress inet = (InetSocketAddress) address;
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        } catch (Exception e) {
            return "unknown";
        }
    }

    /**
     * The application's own retry policy on top of the client's: with some name servers
     * down, the client fails a call on a dead one and picks another for the next call.
     */
    private static SendResult sendWithRetries(DefaultMQProducer producer, Message msg)
            throws Exception {
        Exception last = null;
        for (int attempt = 1; attempt <= 30; attempt++) {
            try {
                return producer.send(msg);
            } catch (Exception e) {
                last = e;
                System.out.println("attempt " + attempt + " failed: " + e);
                Thread.sleep(1000);
            }
        }
        throw last;
    }
}

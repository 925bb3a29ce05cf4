// Command gointerop drives the Apache RocketMQ Go client (rocketmq-client-go/v2) against a
// name server: it creates a topic through the Go admin API, sends COUNT messages with a
// producer, and receives them all with a push consumer. Every step resolves routes through
// the name server under test. Exit status 0 only if every message came back.
//
//	go run . -namesrv 127.0.0.1:9876 -broker 127.0.0.1:10911 -topic T -count 5
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "gointerop: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	namesrv := flag.String("namesrv", "127.0.0.1:9876", "name server address(es), ';'-separated")
	broker := flag.String("broker", "", "broker address for the admin API's CreateTopic")
	topic := flag.String("topic", "GoInteropTopic", "topic")
	count := flag.Int("count", 5, "messages")
	timeout := flag.Duration("timeout", 90*time.Second, "overall deadline")
	flag.Parse()
	rlog.SetLogLevel("error")
	addrs := primitive.NamesrvAddr(strings.Split(*namesrv, ";"))
	deadline := time.Now().Add(*timeout)

	if *broker != "" {
		adm, err := admin.NewAdmin(admin.WithResolver(primitive.NewPassthroughResolver(addrs)))
		if err != nil {
			fail("admin: %v", err)
		}
		if err := adm.CreateTopic(context.Background(), admin.WithTopicCreate(*topic), admin.WithBrokerAddrCreate(*broker)); err != nil {
			fail("create topic: %v", err)
		}
		_ = adm.Close()
		fmt.Println("admin: topic created")
	}

	p, err := rocketmq.NewProducer(producer.WithNameServer(addrs), producer.WithRetry(3),
		producer.WithGroupName("go-interop-producer"))
	if err != nil {
		fail("producer: %v", err)
	}
	if err := p.Start(); err != nil {
		fail("producer start: %v", err)
	}
	want := map[string]bool{}
	for i := 0; i < *count; {
		body := fmt.Sprintf("go-interop-%d-%d", time.Now().UnixNano(), i)
		res, err := p.SendSync(context.Background(), primitive.NewMessage(*topic, []byte(body)))
		if err != nil || res.Status != primitive.SendOK {
			// Routes appear once the broker's registration reaches the name server.
			if time.Now().After(deadline) {
				fail("send: %v %v", res, err)
			}
			time.Sleep(time.Second)
			continue
		}
		want[body] = true
		i++
	}
	_ = p.Shutdown()
	fmt.Printf("producer: %d sent\n", len(want))

	var mu sync.Mutex
	got := map[string]bool{}
	c, err := rocketmq.NewPushConsumer(consumer.WithNameServer(addrs),
		consumer.WithGroupName("go-interop-consumer"),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		fail("consumer: %v", err)
	}
	err = c.Subscribe(*topic, consumer.MessageSelector{}, func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range msgs {
			if want[string(m.Body)] {
				got[string(m.Body)] = true
			}
		}
		return consumer.ConsumeSuccess, nil
	})
	if err != nil {
		fail("subscribe: %v", err)
	}
	if err := c.Start(); err != nil {
		fail("consumer start: %v", err)
	}
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == len(want) {
			_ = c.Shutdown()
			fmt.Printf("consumer: %d received\n", n)
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	fail("consumer: %d of %d received before the deadline", len(got), len(want))
}

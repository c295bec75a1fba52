"""The official Apache Pulsar client's half of `pulsar-bench client`: the same measurements as the Swift client,
against the same emulator. Prints one JSON object (messages per second, latencies in microseconds)."""
import argparse
import json
import sys
import threading
import time
import uuid

import pulsar


def topic(name):
    return f"persistent://public/default/pybench-{name}-{uuid.uuid4().hex[:8]}"


def produce(client, name, count, payload):
    producer = client.create_producer(name, batching_enabled=True, block_if_queue_full=True)
    done = threading.Event()
    remaining = [count]
    lock = threading.Lock()

    def sent(result, _id):
        with lock:
            remaining[0] -= 1
            if remaining[0] == 0:
                done.set()

    start = time.perf_counter()
    for _ in range(count):
        producer.send_async(payload, sent)
    producer.flush()
    done.wait()
    elapsed = time.perf_counter() - start
    producer.close()
    return count / elapsed


def consume_backlog(client, name, count):
    consumer = client.subscribe(name, "bench", initial_position=pulsar.InitialPosition.Earliest)
    start = time.perf_counter()
    for _ in range(count):
        consumer.acknowledge(consumer.receive())
    elapsed = time.perf_counter() - start
    consumer.close()
    return count / elapsed


def end_to_end(client, count, payload):
    name = topic("e2e")
    consumer = client.subscribe(name, "bench")
    producer = client.create_producer(name, batching_enabled=True, block_if_queue_full=True)

    def send_all():
        for _ in range(count):
            producer.send_async(payload, None)
        producer.flush()

    start = time.perf_counter()
    sender = threading.Thread(target=send_all)
    sender.start()
    for _ in range(count):
        consumer.acknowledge(consumer.receive())
    elapsed = time.perf_counter() - start
    sender.join()
    producer.close()
    consumer.close()
    return count / elapsed


def send_latencies(client, round_trips, payload):
    # Without batching: the C++ client's synchronous send otherwise waits for the batch delay (10 ms).
    producer = client.create_producer(topic("send"), batching_enabled=False)
    latencies = []
    for index in range(round_trips + 200):
        start = time.perf_counter()
        producer.send(payload)
        if index >= 200:
            latencies.append((time.perf_counter() - start) * 1e6)
    producer.close()
    return latencies


def publish_to_receive(client, round_trips, payload):
    name = topic("rtt")
    consumer = client.subscribe(name, "bench")
    producer = client.create_producer(name, batching_enabled=True)
    latencies = []
    for index in range(round_trips + 200):
        start = time.perf_counter()
        producer.send_async(payload, None)
        producer.flush()
        message = consumer.receive()
        if index >= 200:
            latencies.append((time.perf_counter() - start) * 1e6)
        consumer.acknowledge(message)
    producer.close()
    consumer.close()
    return latencies


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--round-trips", type=int, default=5_000)
    args = parser.parse_args()
    payload = b"a" * args.size
    client = pulsar.Client(args.url, logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error))
    produce(client, topic("warm-up"), min(args.messages, 50_000), payload)
    backlog = topic("backlog")
    result = {"produce": produce(client, backlog, args.messages, payload)}
    print(f"  python: batched async produce {result['produce']:.0f} msg/s", file=sys.stderr)
    result["consume"] = consume_backlog(client, backlog, args.messages)
    print(f"  python: consume + acknowledge {result['consume']:.0f} msg/s", file=sys.stderr)
    result["endToEnd"] = end_to_end(client, args.messages, payload)
    print(f"  python: end to end {result['endToEnd']:.0f} msg/s", file=sys.stderr)
    send = send_latencies(client, args.round_trips, payload)
    trip = publish_to_receive(client, args.round_trips, payload)
    result.update(sendP50=percentile(send, 0.5), sendP99=percentile(send, 0.99),
                  roundTripP50=percentile(trip, 0.5), roundTripP99=percentile(trip, 0.99))
    client.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()

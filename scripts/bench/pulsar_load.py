#!/usr/bin/env python3
"""Load generator for `pulsar-bench emulator`: drives any Pulsar broker with the official Python client
(PyPI pulsar-client) and prints one JSON object with the figures.

usage: pulsar_load.py SERVICE_URL [--messages N] [--roundtrips N] [--size BYTES]
"""
import argparse
import json
import multiprocessing
import time
import uuid

import pulsar


def consume(url, topic, count, ready, done):
    """Runs in its own process so consuming does not share a Python interpreter with producing."""
    client = pulsar.Client(url, operation_timeout_seconds=30, logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error))
    consumer = client.subscribe(topic, "end-to-end", receiver_queue_size=1000)
    ready.set()
    for _ in range(count):
        consumer.acknowledge(consumer.receive(timeout_millis=30_000))
    done.put(time.time())
    client.close()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--roundtrips", type=int, default=2_000)
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args()
    payload = b"x" * args.size
    client = pulsar.Client(args.url, operation_timeout_seconds=30,
                           logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error))
    topic = f"persistent://public/default/bench-{uuid.uuid4().hex[:8]}"
    results = {}

    # Batched async produce (a subscription exists so the broker keeps and dispatches nothing yet: no FLOW).
    backlog = client.subscribe(topic, "backlog", receiver_queue_size=1000)
    backlog.close()
    producer = client.create_producer(topic, batching_enabled=True, batching_max_messages=1000,
                                      batching_max_publish_delay_ms=10, block_if_queue_full=True,
                                      max_pending_messages=100_000)
    started = time.perf_counter()
    for _ in range(args.messages):
        producer.send_async(payload, None)
    producer.flush()
    results["produce_msgs_per_s"] = args.messages / (time.perf_counter() - started)

    # Consume + ack the backlog.
    consumer = client.subscribe(topic, "backlog", receiver_queue_size=1000)
    started = time.perf_counter()
    for _ in range(args.messages):
        consumer.acknowledge(consumer.receive(timeout_millis=30_000))
    results["consume_ack_msgs_per_s"] = args.messages / (time.perf_counter() - started)

    # End to end: a consumer process receives while this one produces.
    e2e_topic = topic + "-e2e"
    context = multiprocessing.get_context("spawn")
    ready, done = context.Event(), context.Queue()
    worker = context.Process(target=consume, args=(args.url, e2e_topic, args.messages, ready, done))
    worker.start()
    ready.wait(60)
    e2e_producer = client.create_producer(e2e_topic, batching_enabled=True, batching_max_messages=1000,
                                          batching_max_publish_delay_ms=10, block_if_queue_full=True,
                                          max_pending_messages=100_000)
    started = time.time()
    for _ in range(args.messages):
        e2e_producer.send_async(payload, None)
    e2e_producer.flush()
    finished = done.get(timeout=300)
    worker.join()
    results["end_to_end_msgs_per_s"] = args.messages / (finished - started)
    e2e_producer.close()
    producer.close()
    consumer.close()

    # Synchronous round trip: send one, wait for it on the consumer.
    rt_topic = topic + "-rt"
    rt_consumer = client.subscribe(rt_topic, "rt")
    rt_producer = client.create_producer(rt_topic, batching_enabled=False)
    latencies = []
    for _ in range(args.roundtrips):
        begun = time.perf_counter()
        rt_producer.send(payload)
        message = rt_consumer.receive(timeout_millis=30_000)
        latencies.append((time.perf_counter() - begun) * 1e6)
        rt_consumer.acknowledge(message)
    results["roundtrip_p50_us"] = percentile(latencies, 0.50)
    results["roundtrip_p99_us"] = percentile(latencies, 0.99)
    client.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()

/**
 * The logical topic name, as other Nest services write it in
 * `@EventPattern('msg_collection')`. The deployment may map it to another
 * physical topic with KAFKA_TOPIC (see kafka.transport.ts).
 */
export const EVENTS_TOPIC = 'msg_collection';

/** Injection token of the Nest Kafka transport client (ClientKafka) that publishes events. */
export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');

/**
 * MQTT-SN message decoder: one datagram -> one message object. It lives with the encoder
 * (encode.ts), which walks the same table of fields: one module keeps one copy of the
 * names both directions use.
 */
export { decode } from "./encode";

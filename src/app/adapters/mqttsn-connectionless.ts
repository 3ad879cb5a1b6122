/**
 * The device's uplink with MQTT-SN QoS -1, "publish without connection" (6.8): the
 * MQTT-SN adapter in its connectionless mode (mqttsn.ts, which has both: they share the
 * client's options and their names), under the name the uplink tables import.
 */
export { mqttSnUplink as mqttSnConnectionlessUplink } from "./mqttsn";

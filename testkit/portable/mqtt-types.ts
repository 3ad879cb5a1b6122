/**
 * MQTT 3.1.1's packet types by their bare names, for tests and host tools. The firmware
 * uses src/mqtt/packet.ts's `const enum PacketType`, which its compiler writes as numbers
 * and which exports nothing a test could import by name.
 */
import { PacketType } from "../../src/mqtt/packet";

export const CONNECT = PacketType.CONNECT;
export const CONNACK = PacketType.CONNACK;
export const PUBLISH = PacketType.PUBLISH;
export const PUBACK = PacketType.PUBACK;
export const PUBREC = PacketType.PUBREC;
export const PUBREL = PacketType.PUBREL;
export const PUBCOMP = PacketType.PUBCOMP;
export const SUBSCRIBE = PacketType.SUBSCRIBE;
export const SUBACK = PacketType.SUBACK;
export const UNSUBSCRIBE = PacketType.UNSUBSCRIBE;
export const UNSUBACK = PacketType.UNSUBACK;
export const PINGREQ = PacketType.PINGREQ;
export const PINGRESP = PacketType.PINGRESP;
export const DISCONNECT = PacketType.DISCONNECT;

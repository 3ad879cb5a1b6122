/** What a session tells its driver (session.ts `pollEvent`), and the state it is in. */
import type { ProtocolError } from "../common/errors";
import type { PublishPacket } from "./packet";

export type SessionEvent =
	| { readonly type: "connected"; readonly sessionPresent: boolean }
	| { readonly type: "message"; readonly packet: PublishPacket }
	/** MQTT 5: the server sent DISCONNECT (3.14); a "close" with a DISCONNECTED error follows. */
	| { readonly type: "disconnected"; readonly reasonCode: number; readonly reasonString?: string; readonly serverReference?: string }
	/** Close the transport now (after sending what is queued); `error` unless it was a DISCONNECT. */
	| { readonly type: "close"; readonly error?: ProtocolError };

export type SessionStatus = "offline" | "connecting" | "online";

/**
 * Types of the SDK's ECMA-419 WebSocket client (examples/io/tcp/websocketclient, module
 * "embedded:network/websocket/client"), the part ws-link.ts uses. @moddable/typings 5.6.0
 * has none; the SDK's own (typings/embedded_network/websocket/client.d.ts) is newer.
 * Callbacks are called with the client as `this`.
 */
declare module "embedded:network/websocket/client" {
	interface WebSocketClientOptions {
		readonly host: string;
		readonly port: number;
		readonly path: string;
		readonly protocol?: string;
		/** `new io(dns)`, then `resolve({host, onResolved(host, address), onError()})`. */
		readonly dns: { readonly io: unknown } & Readonly<Record<string, unknown>>;
		/** `new io({...socket, address, host, port, onReadable, onWritable, onError})`: an ECMA-419 TCP socket's shape. */
		readonly socket: { readonly io: unknown } & Readonly<Record<string, unknown>>;
		onReadable?(this: WebSocketClient, count: number, options: { readonly more: boolean; readonly binary: boolean }): void;
		onWritable?(this: WebSocketClient, count: number): void;
		onControl?(this: WebSocketClient, opcode: number, data: ArrayBuffer): void;
		onClose?(this: WebSocketClient): void;
		onError?(this: WebSocketClient): void;
	}

	interface WebSocketWriteOptions {
		readonly opcode?: number;
		readonly binary?: boolean;
		readonly more?: boolean;
	}

	class WebSocketClient {
		constructor(options: WebSocketClientOptions);
		close(): void;
		/** Sends one message (a frame, masked); throws when it does not fit the room last given. Returns the room left. */
		write(data: ArrayBuffer | Uint8Array, options?: WebSocketWriteOptions): number;
		/** The bytes of the message piece announced by onReadable. */
		read(): ArrayBuffer | undefined;
		static readonly close: 8;
	}

	export default WebSocketClient;
}

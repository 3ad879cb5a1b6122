/**
 * What the firmware needs from the platform it runs on. `src/` never imports a platform
 * module: a board (boards/<target>/) implements these interfaces and is handed to the
 * application, so the same protocol code runs on an ESP32, an ESP8266, Moddable's
 * simulator and a laptop.
 */

/** An opaque handle from `setTimer`. */
export interface TimerHandle {
	readonly __timer?: never;
}

export interface TlsOptions {
	/** Name checked against the server certificate (and sent as SNI); defaults to the host. */
	readonly serverName?: string;
	/** Trust anchor: PEM text on the host board, a certificate resource name on Moddable. */
	readonly ca?: string;
	/** Our own certificate, for a server that asks for one: PEM text on the host board, a DER resource name on Moddable. */
	readonly cert?: string;
	/** The private key of `cert` (PEM on the host, a PKCS#8 DER resource on Moddable): a secret, never logged. */
	readonly key?: string;
}

/**
 * A stream carried as WebSocket messages (RFC 6455), as MQTT over WebSocket (MQTT 3.1.1
 * 6, MQTT 5.0 6): binary frames, masked by the client, on `path` with `protocol` offered.
 */
export interface WebSocketOptions {
	/** The request path, "/mqtt" for most brokers. */
	readonly path: string;
	/** The subprotocol offered, which the server must select ("mqtt"). */
	readonly protocol: string;
	/** The largest message taken from the server, in bytes; a larger one ends the stream with PACKET_TOO_LARGE. */
	readonly maxMessage: number;
}

/** The stream driver passes its link, whose address fields are getters: a board wrapping these options copies them by name, not by spread. */
export interface StreamOptions {
	readonly host: string;
	readonly port: number;
	/** Present for TLS; certificate verification is always on. */
	readonly tls?: TlsOptions;
	/** Present for a WebSocket stream (over TLS too when `tls` is there): connected once upgraded. */
	readonly websocket?: WebSocketOptions;
	onConnect(): void;
	onData(bytes: Uint8Array): void;
	/** Called once when the stream ends for any reason; `error` when it was not a clean close. */
	onClose(error?: Error): void;
}

/** A connected byte stream (TCP, TLS, or either carrying WebSocket messages). Writes are queued by the board until sent. */
export interface Stream {
	write(bytes: Uint8Array): void;
	/**
	 * Bytes written but still held by the board, not yet taken by the network: a peer that
	 * stops reading makes this grow, which is how the driver tells it from a slow one.
	 */
	readonly unwritten: number;
	/** Closes once what is queued is sent; with `discard`, at once, dropping it (the peer stopped reading). */
	close(discard?: boolean): void;
}

export interface DatagramOptions {
	/** Local port; 0 or absent for any free port. */
	readonly port?: number;
	/** Local address to bind; absent for all interfaces. */
	readonly address?: string;
	/** Called as a method (the datagram driver is its own options). */
	datagramReceived(bytes: Uint8Array, address: string, port: number): void;
	/** Called once the socket is bound and `port` is known. */
	endpointReady?(): void;
	/** Called instead of `endpointReady` when the socket cannot be bound (a typed BIND_FAILED error); the endpoint is then dead. */
	endpointFailed?(error: Error): void;
}

export interface Datagram {
	/** The local port actually bound (0 until `endpointReady`). */
	readonly port: number;
	send(bytes: Uint8Array, address: string, port: number): void;
	close(): void;
}

export interface DigitalOutput {
	write(value: 0 | 1): void;
	read(): 0 | 1;
}

export interface DigitalInputOptions {
	readonly pull?: "up" | "down";
	/** Called on every edge with the new level. */
	onChange?(value: 0 | 1): void;
}

export interface DigitalInput {
	read(): 0 | 1;
	close(): void;
}

/**
 * A pulse train captured on a one-wire line: the widths of alternating levels in
 * microseconds, the first one at `firstLevel` (the form ESP32's RMT receiver gives).
 */
export interface PulseCapture {
	readonly firstLevel: 0 | 1;
	readonly durations: ArrayLike<number>;
}

/** What ended the last deep sleep; "reset" for a power-on, a reset or a first start. */
export type WakeCause = "timer" | "button" | "reset";

/** Deep sleep and the small memory that survives it, on boards that have them. */
export interface Power {
	readonly wakeCause: WakeCause;
	/** Largest number of retained bytes the board keeps. */
	readonly retainedCapacity: number;
	/** The bytes last written, or undefined when there are none (they may be corrupt: check them). */
	readRetained(): Uint8Array | undefined;
	writeRetained(bytes: Uint8Array): void;
	/**
	 * The longest single sleep the chip can time (ESP8266: its uint32 of microseconds);
	 * undefined for no limit. The firmware chains longer sleeps (sleepLeg, power/retained-store.ts).
	 */
	readonly maxSleepMs?: number;
	/**
	 * Sleeps `ms`, waking early when `wake.pin` reads `wake.level` where the chip allows.
	 * `radio` "off": the next boot needs no network (a chained leg), so the chip may keep
	 * its RF off then (ESP8266). Ends the firmware.
	 */
	deepSleep(ms: number, wake?: { readonly pin: number; readonly level: 0 | 1 }, radio?: "on" | "off"): void;
}

/** Certificate signature algorithms (RFC 4055 / RFC 5758 names) a board can check. */
export type SignatureAlgorithm = "sha256WithRSAEncryption" | "sha384WithRSAEncryption" | "ecdsa-with-SHA256" | "ecdsa-with-SHA384";

/**
 * Checks `signature` over `signed` with the key in `publicKeyInfo` (a DER
 * SubjectPublicKeyInfo): RSA with PKCS#1 v1.5 padding, or ECDSA with a DER (r, s)
 * signature on P-256 (P-384 where the board has it). False for a wrong signature and for
 * a key the board cannot use; it does not throw.
 */
export type SignatureVerifier = (algorithm: SignatureAlgorithm, publicKeyInfo: Uint8Array, signed: Uint8Array, signature: Uint8Array) => boolean;

/** Where the last Wi-Fi join ended: enough for a fast reconnect (no scan of every channel). */
export interface JoinHint {
	/** The access point's MAC address, 6 bytes. */
	readonly bssid: Uint8Array;
	/** Its channel, 1 to 14. */
	readonly channel: number;
}

/** How one join attempt ended. `reason` never holds the network's name or passphrase. */
export type JoinResult = { readonly joined: true; readonly hint?: JoinHint } | { readonly joined: false; readonly reason: string };

/**
 * A fixed IPv4 configuration for the station instead of DHCP (which costs hundreds of ms
 * per wake). Dotted quads, checked by the config (app/config-reader.ts).
 */
export interface StaticAddress {
	readonly ip: string;
	readonly gateway: string;
	readonly netmask: string;
	readonly dns: string;
}

/** The station interface on boards that join a network themselves (Wi-Fi on the ESP32 and ESP8266). */
export interface Network {
	/**
	 * Starts one attempt: straight to `hint`'s access point and channel when given, else a full
	 * scan; with `address`, the station takes it instead of asking DHCP. `done` once.
	 */
	join(hint: JoinHint | undefined, done: (result: JoinResult) => void, address?: StaticAddress): void;
	/** Abandons the attempt in progress (its `done` never comes) and leaves the network. */
	cancel(): void;
}

/** One AES-128 key, expanded once: encrypts 16-byte blocks (CCM needs no decryption). */
export interface BlockCipher {
	/** Encrypts the 16 bytes of `input` into `output` (which may be `input`). */
	encryptBlock(input: Uint8Array, output: Uint8Array): void;
}

/**
 * The primitives DTLS (src/dtls) builds on, from the platform's own crypto: CCM, HMAC and
 * the TLS PRF are portable code over these two. Keys come from the board's `randomBytes`.
 */
export interface Crypto {
	/** `key` is 16 bytes. */
	aes128(key: Uint8Array): BlockCipher;
	/** SHA-256 of `parts` one after the other (32 bytes). */
	sha256(parts: readonly Uint8Array[]): Uint8Array;
}

/** Values a log event may carry: flat, so every board can print them as one line. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** What a board knows of its own health (app/home-assistant.ts reports it); each fact only where the board has it. */
export interface BoardHealth {
	/** Bytes of free system memory. */
	readonly freeHeap?: number;
	/** The Wi-Fi signal of the access point joined, dBm. */
	readonly rssi?: number;
}

export interface Board {
	/** "host", "esp32", "esp8266" or "lin". */
	readonly name: string;
	/** Monotonic milliseconds; only differences are meaningful. */
	now(): number;
	/** Milliseconds since the Unix epoch, or 0 while the wall clock is unknown (no SNTP yet). */
	epochMs(): number;
	/**
	 * `count` bytes from the platform's random source: the chip's hardware RNG, the OS on a
	 * laptop or in the simulator. Client ids, CoAP tokens and backoff jitter come from it, so
	 * two devices (or two boots) do not repeat each other. DTLS's hello randoms and
	 * cookie secret come from it too: on every board it is the chip's or the OS's RNG.
	 */
	randomBytes(count: number): Uint8Array;
	setTimer(callback: () => void, ms: number): TimerHandle;
	clearTimer(timer: TimerHandle): void;
	/** Resolves a host name (or passes an IPv4 literal through); `undefined` when it cannot. */
	resolve(host: string, callback: (address: string | undefined) => void): void;
	connectStream(options: StreamOptions): Stream;
	openDatagram(options: DatagramOptions): Datagram;
	digitalOutput(pin: number): DigitalOutput;
	digitalInput(pin: number, options: DigitalInputOptions): DigitalInput;
	/** Sends the DHT22 start signal on `pin` and captures its answer; undefined if nothing came. */
	captureDht22?(pin: number, done: (capture: PulseCapture | undefined) => void): void;
	/** Absent on boards without it: no coaps:// there. */
	readonly crypto?: Crypto;
	/** Absent on boards that cannot deep sleep. */
	readonly power?: Power;
	/** Absent on boards that are online before the firmware starts (the host). */
	readonly network?: Network;
	/** Free memory, signal strength: read when a health report is made. */
	health?(): BoardHealth;
	/** One event the user or a supervising script may want to see (connected, lamp, error...). */
	log(event: string, fields?: LogFields): void;
}

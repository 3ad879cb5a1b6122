/**
 * The ESP32's and ESP8266's side of the board (the simulator has none of it): pins on
 * ECMA-419 Digital IO, the DHT22 capture, deep sleep with retained memory, and Wi-Fi.
 *
 * The Board's Network is Moddable's `wifi` module, which takes the access point's `bssid`
 * and `channel` for a fast reconnect. The firmware joins itself (app/network-join.ts)
 * instead of Moddable's setup/network, which joins before main with no time limit. After
 * the first join of a cold boot, the clock is set by one SNTP exchange (TLS checks
 * certificate dates; readings carry a time), bounded too. With a static address the
 * station skips DHCP: the wifi module has no option for it, so a small native module of
 * the project sets it on the chip's interface first (boards/<chip>/native/lampnode_static_ip.c).
 *
 * The network's name and passphrase go to the wifi module and nowhere else: no log, no error.
 */
import WiFi from "wifi";
import Net from "net";
import Time from "time";
import Timer from "timer";
import UDP from "embedded:io/socket/udp";
import Digital from "embedded:io/digital";
import NativeChip from "./native/chip";
import type * as board from "../../src/common/board";
import * as sntpPackets from "common/sntp";
import * as moddable from "./board";

export interface WifiSettings {
	readonly ssid: string;
	readonly password?: string;
	/** SNTP server; empty for none. */
	readonly sntp?: string;
}

/** A `const enum`: each use compiles to its number. */
const enum Limit {
	SntpWaitMs = 1500,
	SntpTries = 2,
	/** A DHT22 frame is 1 release + 2 response + 80 bit + 1 end pulses; room for spikes too. */
	Widths = 160,
}

/**
 * Pins on ECMA-419 Digital IO and the DHT22 capture: made once when the module is
 * preloaded, so their functions stay in flash, not made in RAM with each board.
 */
const parts: Pick<moddable.Peripherals, "digitalOutput" | "digitalInput" | "captureDht22"> = {
	digitalOutput(pin: number): board.DigitalOutput {
		const io = new Digital({ pin, mode: Digital.Output });
		let level: 0 | 1 = 0;
		return {
			write(value) {
				level = value;
				io.write(value);
			},
			read: () => level,
		};
	},
	digitalInput(pin: number, options: board.DigitalInputOptions): board.DigitalInput {
		const mode = options.pull === "up" ? Digital.InputPullUp : options.pull === "down" ? Digital.InputPullDown : Digital.Input;
		const onChange = options.onChange;
		const io = onChange
			? new Digital({ pin, mode, edge: Digital.Rising | Digital.Falling, onReadable: () => onChange(io.read()) })
			: new Digital({ pin, mode });
		return { read: () => io.read(), close: () => io.close() };
	},
	/**
	 * The native capture in dht22.c blocks for the frame's 5 ms, so it runs from a timer,
	 * never inside the caller's turn. Its buffer is made per reading, not once at module
	 * level: this module is preloaded, and a buffer made at preload lives in flash, where
	 * the native capture's writes would fault (XS linker warnings: preloaded TypedArrays and
	 * ArrayBuffers are immutable). 320 bytes a minute is nothing to the collector.
	 */
	captureDht22(pin, done) {
		Timer.set(() => {
			const widths = new Uint16Array(Limit.Widths);
			let count = 0;
			try {
				count = NativeChip.capture(pin, widths.buffer);
			} catch {
				count = 0;
			}
			done(count > 0 ? { firstLevel: 1, durations: widths.subarray(0, count) } : void 0);
		}, 0);
	},
};

/**
 * The board of a chip. `radioOffLegs`: whether a chained leg may boot with the radio off
 * (ESP8266 option 4). Only when nothing joins Wi-Fi before `main`: manifest_net's
 * setup/network waits for a connection with no limit, which an RF-off boot never gets, so
 * it would never sleep.
 */
export function chipBoard(name: string, config: Readonly<Record<string, unknown>>, radioOffLegs: boolean, crypto?: board.Crypto): moddable.ModdableBoard {
	const maxSleep = NativeChip.maxSleep();
	const power: board.Power = {
		wakeCause: NativeChip.wakeCause(),
		retainedCapacity: NativeChip.capacity(),
		maxSleepMs: maxSleep > 0 ? maxSleep : void 0,
		readRetained() {
			const buffer = NativeChip.read();
			return buffer ? new Uint8Array(buffer) : void 0;
		},
		writeRetained(bytes) {
			// A copy whose buffer is exactly these bytes, not a view's larger backing store.
			NativeChip.write(bytes.slice().buffer);
		},
		deepSleep(ms, wake, radio) {
			NativeChip.deepSleep(ms, wake ? wake.pin : -1, wake ? wake.level : 0, radio === "off" && radioOffLegs ? 0 : 1);
		},
	};
	return new moddable.ModdableBoard(name, {
		...parts,
		power,
		network: new WifiNetwork({ ssid: String(config.ssid ?? ""), password: String(config.password ?? ""), sntp: String(config.sntp ?? "") }),
		crypto,
	});
}

export class WifiNetwork implements board.Network {
	declare readonly settings: WifiSettings;
	declare station: WiFi | undefined;
	declare sntp: { close(): void } | undefined;

	constructor(settings: WifiSettings) {
		this.settings = settings;
	}

	join(hint: board.JoinHint | undefined, done: (result: board.JoinResult) => void, address?: board.StaticAddress): void {
		this.cancel();
		if (address) {
			try {
				// The station's interface must exist (ESP32) and the station mode be on (ESP8266) first.
				WiFi.mode = WiFi.Mode.station;
				// ip, netmask, gateway, dns: 4 bytes each in network order (the native module's layout).
				const bytes = new Uint8Array(16);
				[address.ip, address.netmask, address.gateway, address.dns].forEach((quad, i) => bytes.set(quad.split(".").map(Number), i * 4));
				NativeChip.configure(bytes.buffer);
			} catch {
				return done({ joined: false, reason: "static-address" });
			}
		}
		const { ssid, password } = this.settings;
		const fast = hint ? { bssid: hint.bssid.slice().buffer, channel: hint.channel } : {};
		const options = { ssid, ...(password ? { password } : {}), ...fast };
		// The SDK retries a failed scan or association by itself until the policy's time limit ends the
		// attempt. Only a refused passphrase (reason -1) ends it early: any other "disconnect" may be the
		// echo of the disconnect that starting this attempt caused, and would end every attempt at once.
		const station = new WiFi(options, ((message: string, reason?: number) => {
			if (this.station !== station) return;
			if (message === WiFi.gotIP) {
				this.station = void 0;
				station.close();
				// The access point and channel just joined, for the next fast reconnect; none if unknown.
				const joined = () => {
					const get = Net.get as unknown as (what: string) => unknown;
					const bssid = get("BSSID");
					const channel = get("CHANNEL");
					let fastHint: board.JoinHint | undefined;
					if (typeof bssid === "string" && typeof channel === "number" && channel >= 1 && channel <= 14) {
						const bytes = bssid.split(":").map((part) => parseInt(part, 16));
						if (bytes.length === 6 && bytes.every((byte) => byte >= 0 && byte <= 255)) fastHint = { bssid: Uint8Array.from(bytes), channel };
					}
					done({ joined: true, hint: fastHint });
				};
				// One SNTP exchange when the clock was never set (Moddable keeps it across deep sleep once it is), then joined whatever happened.
				const host = this.settings.sntp;
				if (!host || moddable.epochMs()) return joined();
				let tries = 0;
				let timer: Timer | undefined;
				let socket: UDP | undefined;
				const finish = () => {
					if (timer) Timer.clear(timer);
					timer = void 0;
					// @moddable/typings 5.6 leaves close() out of UDP's declaration; every platform has it.
					if (socket) (socket as unknown as { close(): void }).close();
					socket = void 0;
					if (this.sntp === handle) this.sntp = void 0;
					joined();
				};
				const handle = { close: finish };
				this.sntp = handle;
				Net.resolve(host, (_name, address) => {
					if (this.sntp !== handle) return;
					if (!address) return finish();
					socket = new UDP({
						onReadable(count: number) {
							while (count-- > 0) {
								const seconds = sntpPackets.sntpSeconds(new Uint8Array(this.read()));
								if (seconds !== void 0) {
									Time.set(seconds);
									return finish();
								}
							}
						},
					});
					const send = () => {
						if (++tries > Limit.SntpTries) return finish();
						if (socket) socket.write(sntpPackets.sntpRequest(), address, 123);
						timer = Timer.set(send, Limit.SntpWaitMs);
					};
					send();
				});
			} else if (message === WiFi.disconnected && reason === -1) {
				this.cancel();
				done({ joined: false, reason: "authentication" });
			}
		}) as unknown as ConstructorParameters<typeof WiFi>[1]);
		this.station = station;
	}

	cancel(): void {
		const sntp = this.sntp;
		if (sntp) sntp.close();
		this.sntp = void 0;
		const station = this.station;
		if (!station) return;
		this.station = void 0;
		station.close();
		WiFi.disconnect();
	}
}

/**
 * Finding a gateway and noticing when it is gone (MQTT-SN 6.1, 6.2), the session's layer
 * over its link (link.ts), kept as deadlines the session's tick and nextTimeout read:
 *
 * - searching: when to broadcast SEARCHGW. The first one waits a random time in
 *   [0, T_SEARCHGW) so clients powered up together do not all search at once; each later
 *   one waits T_GWINFO for an answer plus a jittered delay whose ceiling doubles (the
 *   exponential backoff the specification asks for). Hearing another client's SEARCHGW
 *   counts as our own: we wait for the GWINFO it will bring.
 * - advertisements: a gateway that advertises every `duration` seconds is lost once
 *   `missed` consecutive ADVERTISEs fail to arrive (N_ADV); half a period of slack lets
 *   a late broadcast still count.
 */
import { encode } from "./encode";
import { GatewayLink } from "./link";
import type { AdvertiseMessage, GwInfoMessage } from "./packet";

/** Where a gateway answers: an IP address as the board reports datagram sources. */
export interface Gateway {
	readonly gwId: number;
	readonly address: string;
	readonly port: number;
}

export function sameEndpoint(gateway: Gateway, address: string, port: number): boolean {
	return gateway.port === port && gateway.address === address;
}

export abstract class Discovery extends GatewayLink {
	/** Starts searching (connection.ts: no gateway known, a search target given). */
	protected startSearch(now: number): void {
		const backoff = this.searchBackoff as NonNullable<typeof this.searchBackoff>;
		this.state = 1 /* searching */;
		if (this.searchAt !== Infinity) return;
		backoff.reset();
		this.searchAt = now + backoff.next();
	}

	/** Another client searched: behave as if we had, and wait for the GWINFO it will bring. */
	protected heardSearch(now: number): void {
		if (this.searchAt !== Infinity) this.searchAt = now + this.tGwInfo + (this.searchBackoff as NonNullable<typeof this.searchBackoff>).next();
	}

	/** Searching: broadcasts SEARCHGW when it is due, and schedules the next one. */
	protected searchDue(now: number): void {
		const target = this.searchTarget;
		if (!target || now < this.searchAt) return;
		this.heardSearch(now);
		this.transmit.push({ bytes: encode({ type: 0x01 /* SEARCHGW */, radius: target.radius }), address: target.address, port: target.port });
	}

	/** The gateway advertised; the next one is due in `duration` seconds. */
	protected heardAdvertise(duration: number, now: number): void {
		this.advertiseDeadline = duration > 0 ? now + duration * 1000 * (this.nAdv + 0.5) : Infinity;
	}

	/** An ADVERTISE or GWINFO while no gateway is known: that is the gateway now. */
	protected found(message: AdvertiseMessage | GwInfoMessage, address: string, port: number, now: number): void {
		let gateway: Gateway = { gwId: message.gwId, address, port };
		// GWINFO from another client carries the gateway's address; on UDP, 4 octets of IPv4 and a port.
		if (message.type === 0x02 /* GWINFO */ && message.gwAdd) {
			const a = message.gwAdd;
			if (a.length !== 6) {
				this.dropped.unexpected++;
				return;
			}
			gateway = { gwId: message.gwId, address: a[0] + "." + a[1] + "." + a[2] + "." + a[3], port: (a[4] << 8) | a[5] };
		}
		this.gateway = gateway;
		this.topics.clear();
		if (message.type === 0x00 /* ADVERTISE */) this.heardAdvertise(message.duration, now);
		this.emit({ type: "gateway", gateway });
		if (this.state === 1 /* searching */) {
			this.searchAt = Infinity;
			this.state = 0 /* disconnected */;
			this.connect(now);
		}
	}

	/** Connects (connection.ts). */
	abstract connect(now: number): void;

	/** Time passed: a gateway that stopped advertising is lost (or, while disconnected, forgotten). */
	protected advertiseDue(now: number): boolean {
		if (!this.gateway || now < this.advertiseDeadline) return false;
		this.advertiseDeadline = Infinity;
		const state = this.state;
		if (state === 0 /* disconnected */) this.forgetGateway();
		else if (state !== 1 /* searching */ && state !== 7 /* asleep */) {
			this.lost("no ADVERTISE for " + this.nAdv + " periods");
			return true;
		}
		return false;
	}
}

/**
 * Keep alive (MQTT 3.1.2.10, 3.1.2-23/24): the client must not stay silent for the
 * keep-alive period, and a link on which no answer arrives for 1.5 times it is dead.
 * The session counts only whole packets other than PUBLISH as heard: a packet dripped a
 * byte at a time, or PUBLISHes from a broker that stopped reading, never keep a dead link
 * open. A PINGREQ that goes unanswered ends the link at most 1.5 keep-alives after the
 * quiet began.
 */

/** PINGREQ leaves this share of the keep-alive early, at most MAX_PING_MARGIN_MS. */
const PING_MARGIN = 0.1;
const MAX_PING_MARGIN_MS = 5000;

/** What `due` asks for. */
export const KEEP_ALIVE_OK = 0;
export const KEEP_ALIVE_PING = 1;
export const KEEP_ALIVE_DEAD = 2;

export class KeepAlive {
	// Fields are `declare`d and set in the constructor: a class field costs XS bytecode of its own.
	/** The keep-alive in ms; 0 turns it off. */
	declare readonly ms: number;
	/** Idle time after which PINGREQ goes out: inside the keep-alive, so timer latency never stretches a gap past it. */
	private declare readonly pingAfter: number;
	declare lastSent: number;
	declare lastHeard: number;
	/** When the unanswered PINGREQ went out, or -1. */
	private declare pingSent: number;

	constructor(seconds: number) {
		const ms = (this.ms = seconds * 1000);
		this.pingAfter = ms - Math.min(ms * PING_MARGIN, MAX_PING_MARGIN_MS);
		this.reset(0);
	}

	/** A new connection: its clock starts now. */
	reset(now: number): void {
		this.lastSent = this.lastHeard = now;
		this.pingSent = -1;
	}

	/** PINGREQ went out. */
	pinged(now: number): void {
		this.pingSent = this.lastSent = now;
	}

	/** PINGRESP arrived. */
	answered(): void {
		this.pingSent = -1;
	}

	due(now: number): number {
		if (this.ms === 0) return KEEP_ALIVE_OK;
		if (now >= this.dead()) return KEEP_ALIVE_DEAD;
		const pingAfter = this.pingAfter;
		if (this.pingSent < 0 && (now - this.lastSent >= pingAfter || now - this.lastHeard >= pingAfter)) return KEEP_ALIVE_PING;
		return KEEP_ALIVE_OK;
	}

	/** When `due` next changes its answer, or undefined with keep-alive off. */
	next(): number | undefined {
		if (this.ms === 0) return undefined;
		const dead = this.dead();
		if (this.pingSent >= 0) return dead;
		const pingAfter = this.pingAfter;
		return Math.min(dead, this.lastSent + pingAfter, this.lastHeard + pingAfter);
	}

	private dead(): number {
		const silent = this.lastHeard + this.ms * 1.5;
		const ping = this.pingSent;
		// An unanswered PINGREQ gets the slack a quiet link would have had after it.
		return ping < 0 ? silent : Math.min(silent, ping + this.ms * 1.5 - this.pingAfter);
	}
}

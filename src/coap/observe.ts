/**
 * Notification order (RFC 7641 3.4): a notification is fresh when its Observe sequence
 * number is newer in 24-bit serial arithmetic, or when more than 128 seconds passed
 * since the last fresh one (by then the numbers may have wrapped). Stale ones are dropped.
 */
const HALF = 1 << 23;
const WRAP_MS = 128_000;

export class NotificationOrder {
	private sequence = -1;
	private at = 0;

	/** Whether the notification numbered `sequence`, received at `now`, is fresh; remembers it if so. */
	accept(sequence: number, now: number): boolean {
		const v1 = this.sequence;
		const fresh = v1 < 0 || (v1 < sequence && sequence - v1 < HALF) || (v1 > sequence && v1 - sequence > HALF) || now > this.at + WRAP_MS;
		if (fresh) {
			this.sequence = sequence;
			this.at = now;
		}
		return fresh;
	}
}

/** A GPIO line in memory: the firmware writes or reads it, a test or the launcher drives it. */
export class SimulatedPin {
	#level: 0 | 1 = 0;
	readonly #listeners = new Set<(level: 0 | 1) => void>();

	read(): 0 | 1 {
		return this.#level;
	}

	/** The firmware drives an output. */
	write(level: 0 | 1): void {
		this.drive(level);
	}

	/** Something outside drives the line (a button, a sensor); listeners see each edge. */
	drive(level: 0 | 1): void {
		if (level === this.#level) return;
		this.#level = level;
		for (const listener of this.#listeners) listener(level);
	}

	listen(listener: (level: 0 | 1) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}
}

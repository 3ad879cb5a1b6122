/** One DHT22 (AM2302) measurement, as the drivers produce it and telemetry publishes it. */
export interface Reading {
	/** Degrees Celsius, 0.1 resolution. */
	readonly temperature: number;
	/** Relative humidity in percent, 0.1 resolution. */
	readonly humidity: number;
	/** When it was read: milliseconds since the Unix epoch (0 if the clock was unknown). */
	readonly at: number;
}

/** Board pins on ECMA-419 Digital IO (ESP32, ESP8266). */
import Digital from "embedded:io/digital";
import type { DigitalInput, DigitalInputOptions, DigitalOutput } from "../../src/common/board";

export function digitalOutput(pin: number): DigitalOutput {
	const io = new Digital({ pin, mode: Digital.Output });
	let level: 0 | 1 = 0;
	return {
		write(value) {
			level = value;
			io.write(value);
		},
		read: () => level,
	};
}

export function digitalInput(pin: number, options: DigitalInputOptions): DigitalInput {
	const mode = options.pull === "up" ? Digital.InputPullUp : options.pull === "down" ? Digital.InputPullDown : Digital.Input;
	const onChange = options.onChange;
	const io = onChange
		? new Digital({ pin, mode, edge: Digital.Rising | Digital.Falling, onReadable: () => onChange(io.read()) })
		: new Digital({ pin, mode });
	return { read: () => io.read(), close: () => io.close() };
}

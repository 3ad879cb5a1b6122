/**
 * What `npm start` shows. On a terminal: a header with how to switch the lamp, then one
 * readable line per event with the lamp drawn when it changes. Otherwise (piped to a
 * script): one JSON object per line, the firmware's events passed through unchanged.
 */
import type { FirmwareEvent } from "./firmware";

export interface Ready {
	readonly broker: string;
	readonly embedded: boolean;
	/** udp://host:port of the MQTT-SN gateway, when the firmware speaks MQTT-SN. */
	readonly gateway?: string;
	/** Shell commands a user can paste, by purpose. */
	readonly commands: Readonly<Record<string, string>>;
}

export interface View {
	ready(ready: Ready): void;
	event(event: FirmwareEvent, line: string): void;
}

export function createView(terminal: boolean): View {
	return terminal ? terminalView() : jsonView();
}

function jsonView(): View {
	return {
		ready(ready) {
			process.stdout.write(JSON.stringify({ event: "ready", ...ready }) + "\n");
		},
		event(_event, line) {
			process.stdout.write(line + "\n");
		},
	};
}

const BOLD = "\x1b[1m";
const DIM = "\x1b[2m";
const YELLOW = "\x1b[33m";
const RED = "\x1b[31m";
const RESET = "\x1b[0m";

function terminalView(): View {
	return {
		ready({ broker, embedded, gateway, commands }) {
			process.stdout.write(`${BOLD}lampnode${RESET} firmware on the host board ${DIM}(Ctrl-C stops it cleanly)${RESET}\n`);
			process.stdout.write(`  broker    ${broker}${embedded ? " (embedded aedes)" : ""}\n`);
			if (gateway) process.stdout.write(`  gateway   ${gateway} (MQTT-SN)\n`);
			for (const [purpose, command] of Object.entries(commands)) process.stdout.write(`  ${purpose.padEnd(9)} ${command}\n`);
			process.stdout.write("\n");
		},
		event(event) {
			const time = new Date().toTimeString().slice(0, 8);
			const { event: name, ...fields } = event;
			if (name === "lamp") {
				const on = fields.state === "on";
				process.stdout.write(`${DIM}${time}${RESET}  ${on ? `${YELLOW}${BOLD}  ( * )  LAMP ON ${RESET}` : `${BOLD}  ( o )  LAMP OFF${RESET}`}\n`);
				return;
			}
			const color = name === "error" || name === "config-error" ? RED : name === "warning" ? YELLOW : "";
			const details = Object.entries(fields)
				.map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
				.join(" ");
			process.stdout.write(`${DIM}${time}${RESET}  ${color}${name.padEnd(12)}${RESET} ${details}\n`);
		},
	};
}

/** Types of power.js: the native deep sleep and retained memory of each chip. */
import type { NativePowerBinding } from "../power";

declare const NativePower: NativePowerBinding;
export default NativePower;

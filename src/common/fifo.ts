/**
 * A first-in first-out queue with O(1) push and shift. Array.prototype.shift, or
 * slicing off the front, copies the whole array each time: with thousands of messages
 * queued that turns one acknowledgement into thousands of copies.
 */
export class Fifo<T> {
	// Plain fields, `declare`d and set in the constructor: class fields cost XS bytecode.
	declare items: (T | undefined)[];
	declare head: number;

	constructor() {
		this.clear();
	}

	get length(): number {
		return this.items.length - this.head;
	}

	push(item: T): void {
		this.items.push(item);
	}

	peek(): T | undefined {
		return this.items[this.head];
	}

	shift(): T | undefined {
		const items = this.items;
		const head = this.head;
		if (head === items.length) return void 0;
		const item = items[head];
		items[head] = void 0;
		this.head = head + 1;
		// Drained: reuse the array rather than allocate another for the next item.
		if (head + 1 === items.length) {
			items.length = 0;
			this.head = 0;
		}
		// Give back the consumed front now and then, so a queue that never drains stays bounded.
		else if (head >= 1023 && (head + 1) * 2 >= items.length) {
			this.items = items.slice(head + 1);
			this.head = 0;
		}
		return item;
	}

	clear(): void {
		this.items = [];
		this.head = 0;
	}

	*[Symbol.iterator](): IterableIterator<T> {
		for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
	}
}

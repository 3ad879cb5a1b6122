/**
 * A first-in first-out queue with O(1) push and shift. Array.prototype.shift, or
 * slicing off the front, copies the whole array each time: with thousands of messages
 * queued that turns one acknowledgement into thousands of copies.
 */
export class Fifo<T> {
	private items: (T | undefined)[] = [];
	private head = 0;

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
		if (this.head === this.items.length) return undefined;
		const item = this.items[this.head];
		this.items[this.head++] = undefined;
		// Drained: reuse the array rather than allocate another for the next item.
		if (this.head === this.items.length) {
			this.items.length = 0;
			this.head = 0;
		}
		// Give back the consumed front now and then, so a queue that never drains stays bounded.
		else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
			this.items = this.items.slice(this.head);
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

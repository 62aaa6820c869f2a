import type { Order } from './market';

/**
 * Min-heap of orders by (expireAt, id). Cancelled or filled orders are not removed eagerly;
 * the engine skips them when they surface, which keeps cancel O(1).
 */
export class ExpiryQueue {
  private readonly heap: Order[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(order: Order): void {
    const heap = this.heap;
    heap.push(order);
    let child = heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!earlier(heap[child], heap[parent])) break;
      [heap[child], heap[parent]] = [heap[parent], heap[child]];
      child = parent;
    }
  }

  peek(): Order | undefined {
    return this.heap[0];
  }

  pop(): Order | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let parent = 0;
      for (;;) {
        const left = 2 * parent + 1;
        const right = left + 1;
        let smallest = parent;
        if (left < heap.length && earlier(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && earlier(heap[right], heap[smallest])) smallest = right;
        if (smallest === parent) break;
        [heap[parent], heap[smallest]] = [heap[smallest], heap[parent]];
        parent = smallest;
      }
    }
    return top;
  }
}

function earlier(a: Order, b: Order): boolean {
  return a.expireAt < b.expireAt || (a.expireAt === b.expireAt && a.id < b.id);
}

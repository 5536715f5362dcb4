import { FLUSH_POINTS, WindowBuffer } from './window-buffer';

describe(WindowBuffer.name, () => {
  it('puts each point in its own window, however the upload jumps between windows', () => {
    const buffer = new WindowBuffer(1_000, 1);
    for (const t of [0, 999, 1_000, 500, -1, 1_999, 2_000, 999]) buffer.add(t, [t]);
    const windows = buffer.take();
    expect([...windows.keys()].sort((a, b) => a - b)).toEqual([-1_000, 0, 1_000, 2_000]);
    expect(windows.get(0)?.sort().t).toEqual([0, 500, 999]);
    expect(windows.get(0)?.columns[0]).toEqual([0, 500, 999]);
    expect(windows.get(1_000)?.t).toEqual([1_000, 1_999]);
  });

  it('keeps filling the window it kept open after a take', () => {
    const buffer = new WindowBuffer(1_000, 1);
    let full = false;
    for (let t = 0; !full; t++) full = buffer.add(t, [t]);
    expect(buffer.take(FLUSH_POINTS - 1).size).toBe(FLUSH_POINTS / 1_000 - 1);
    buffer.add(0, [-1]);
    buffer.add(FLUSH_POINTS - 1, [-1]);
    const windows = buffer.take();
    expect([...windows.keys()]).toEqual([FLUSH_POINTS - 1_000, 0]);
    expect(windows.get(FLUSH_POINTS - 1_000)?.size).toBe(1_000);
    expect(windows.get(FLUSH_POINTS - 1_000)?.columns[0].at(-1)).toBe(-1);
    expect(windows.get(0)?.t).toEqual([0]);
  });

  it('after a take, a point of a window taken away goes to a new one, not to the one being written', () => {
    const buffer = new WindowBuffer(1_000, 1);
    buffer.add(1_999, [1]);
    buffer.add(5, [2]);
    const taken = buffer.take(1_999);
    expect([...taken.keys()]).toEqual([0]);
    buffer.add(6, [3]);
    expect(taken.get(0)?.t).toEqual([5]);
    expect(buffer.take().get(0)?.t).toEqual([6]);
  });
});

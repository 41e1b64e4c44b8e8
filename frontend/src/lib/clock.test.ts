import { formatLeft, liveState } from './clock';

describe('SLA clock text', () => {
  it('reads time left in the largest units that matter', () => {
    expect(formatLeft(2 * 86_400 + 3 * 3600 + 59)).toBe('2 d 3 h left');
    expect(formatLeft(3 * 3600 + 12 * 60)).toBe('3 h 12 min left');
    expect(formatLeft(4 * 60 + 5)).toBe('4 min 05 s left');
  });

  it('says by how much a breached clock is over', () => {
    expect(formatLeft(-(2 * 3600 + 5 * 60))).toBe('over by 2 h 5 min');
  });

  it('turns a running clock breached on screen when its time runs out, and leaves paused ones alone', () => {
    expect(liveState('at_risk', 0)).toBe('breached');
    expect(liveState('on_track', 120)).toBe('on_track');
    expect(liveState('paused', -10)).toBe('paused');
  });
});

import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs } from '../../src/scenario/duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    [' 10s ', 10_000],
    ['30', null], // a bare number is ambiguous (s or ms?) and refused
    ['5 seconds', null],
    ['-5s', null],
    ['', null],
  ])('%j → %j', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
});

describe('formatDurationMs', () => {
  it.each([
    [250, '250ms'],
    [1500, '1.5s'],
    [30_000, '30s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
  ])('%j → %j', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });
});

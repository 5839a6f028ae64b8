/**
 * roundTo rounds a figure to a number of decimal places, for the files and messages that show it (3 for milliseconds
 * keeps microseconds; 6 for rates and shares cancels floating-point drift). It lives on the ground floor so every
 * folder that writes figures, metrics up, rounds them one way.
 */
export function roundTo(x: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(x * scale) / scale;
}

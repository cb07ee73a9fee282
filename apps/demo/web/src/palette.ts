// The page's colours: Okabe and Ito's palette, which readers with any common colour-vision
// deficiency can tell apart, for every categorical colour (chart series, frame states, processes,
// the timeline's strip); the current-event marker has a colour of its own that no series uses.

/** Okabe–Ito: black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple. */
export const okabeIto = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
} as const

/** The current-event marker on charts and strips (a dashed near-black line, not a series colour). */
export const currentMarker = '#222222'

/** Page faults on the timeline's strip, system calls below them. */
export const faultColour = okabeIto.vermillion
/** System calls on the timeline's strip. */
export const syscallColour = okabeIto.blue

/** Frame states (PFN database lists); process pages use {@link pidColour}. */
export const frameColours: Readonly<Record<string, string>> = {
  F: '#eceff3',
  Z: '#bcd6ea',
  S: okabeIto.yellow,
  M: okabeIto.vermillion,
  P: okabeIto.reddishPurple,
  Y: '#3b3b3b',
}

const processColours = [
  okabeIto.bluishGreen,
  okabeIto.blue,
  okabeIto.orange,
  okabeIto.skyBlue,
  '#8c6d31',
  '#6b4c9a',
]

/** A colour per process, from the palette (pids are multiples of 4: 4, 8, 12…). */
export function pidColour(pid: number): string {
  return processColours[Math.abs(Math.floor(pid / 4)) % processColours.length] ?? okabeIto.bluishGreen
}

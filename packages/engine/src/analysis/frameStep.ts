/**
 * The shortest time between two frames that step 1 takes as real, s. A 24–30 fps clip's frames are 33–42 ms apart,
 * but a published clip's frames reach the worker with capture times off the clip's own by −44…+50 ms (owner-page
 * test), bunched 8–16 ms apart after a stall. Taken at face value, such a step makes one frame's motion a speed
 * several times too large (the tracker's lead, the filter's speed) and gives the frame too little weight. A 60 fps
 * source is then led and filtered as if at 30 fps: half the lead (the tracker's second look makes up for it), a
 * little less smoothing.
 */
export const MIN_FRAME_STEP_SEC = 1 / 30;

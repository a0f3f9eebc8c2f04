package io.sipedge.model;

/**
 * What a softphone is told to turn on or off (scloc's {@code srtp}, {@code messaging},
 * {@code video}, {@code callrecording}). Each may be null: not set, so not sent.
 */
public record Features(Boolean srtp, Boolean messaging, Boolean video, Boolean callRecording) {
    public static final Features UNSET = new Features(null, null, null, null);
}

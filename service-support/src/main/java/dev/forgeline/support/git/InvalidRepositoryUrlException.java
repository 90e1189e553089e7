package dev.forgeline.support.git;

/** A repository address that cannot be used; the message says what is wrong and never holds a credential. */
public class InvalidRepositoryUrlException extends IllegalArgumentException {
    public InvalidRepositoryUrlException(String message) {
        super(message);
    }
}

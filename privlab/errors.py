"""Exception types raised by privlab.

Every error names the parameter, the value it got and what is allowed, so a
learner can fix the call without reading a traceback.
"""

from __future__ import annotations


class PrivlabError(Exception):
    """Base class of every error privlab raises on purpose."""


class InvalidParameterError(PrivlabError, ValueError, TypeError):
    """An argument has the wrong type or a value outside what is allowed.

    It is both a ``ValueError`` and a ``TypeError`` (as in scikit-learn), so
    ``except ValueError`` catches every bad argument.

    Examples
    --------
    >>> from privlab import dp
    >>> dp.laplace_mechanism(10, sensitivity=1, epsilon=-1)
    Traceback (most recent call last):
        ...
    privlab.errors.InvalidParameterError: epsilon must be a finite number > 0; got -1.
    """


class BudgetExceededError(PrivlabError):
    """A release would spend more privacy budget than is left; nothing was released.

    Examples
    --------
    >>> from privlab import dp
    >>> budget = dp.PrivacyAccountant(epsilon=1.0)
    >>> budget.release("buyers", dp.noisy_count, 118, epsilon=2.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.BudgetExceededError: release 'buyers' would spend ε = 2 but only ε = 1 ...
    """


class ReleaseConflictError(PrivlabError):
    """A release label was reused for a different query; labels name one release each."""


class NotEnoughSharesError(PrivlabError):
    """Too few shares to rebuild a secret; the message says how many were given and needed.

    Fewer shares than needed reveal *nothing* about the secret: that is the point
    of secret sharing, not a bug to work around.

    Examples
    --------
    >>> from privlab import mpc
    >>> shares = mpc.shamir_share(42, threshold=3, parties=5, rng=0)
    >>> mpc.shamir_reconstruct(shares[:2])
    Traceback (most recent call last):
        ...
    privlab.errors.NotEnoughSharesError: got 2 shares, but this sharing needs 3 (its threshold).
    """


class ProtocolAbortedError(PrivlabError):
    """An honest party stopped a protocol: what it was sent does not add up.

    In secure aggregation a device refuses to unmask when the server shows it a
    list of survivors that fewer than ``threshold`` devices signed, or a key
    whose signature does not check: a server that lies is stopped, not obeyed.
    """


class MixedSharesError(PrivlabError):
    """Shares from different sharings were combined; they rebuild nothing meaningful.

    Every sharing has an id; shares can only be put together (or added) when
    they belong to matching sharings.

    Examples
    --------
    >>> from privlab import mpc
    >>> first = mpc.share_additive(5, parties=2, rng=0)
    >>> second = mpc.share_additive(5, parties=2, rng=1)
    >>> mpc.reconstruct_additive([first[0], second[1]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.MixedSharesError: shares must all come from one sharing; got shares of ...
    """


class InconsistentSharesError(PrivlabError):
    """Shares of one sharing do not lie on one polynomial: some of them were changed.

    Plain reconstruction from exactly ``threshold`` shares cannot notice a changed
    share (any ``t`` points lie on some polynomial of degree ``t - 1``); with more
    shares, :func:`privlab.mpc.shamir_reconstruct_checked` raises this error
    instead of returning a wrong secret.

    Examples
    --------
    >>> import dataclasses
    >>> from privlab import mpc
    >>> shares = mpc.shamir_share(42, threshold=2, parties=3, prime=97, rng=0)
    >>> shares[0] = dataclasses.replace(shares[0], y=shares[0].y + 1)  # party 1 lies
    >>> mpc.shamir_reconstruct_checked(shares)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.InconsistentSharesError: the 3 shares (x = 1, 2, 3) do not lie on one ...
    """


class DecryptionError(PrivlabError):
    """A message or backup could not be opened; the message says why, and nothing was revealed.

    Raised for a tampered, truncated, replayed or misaddressed message, a
    wrong key or password, or a corrupt file. No part of the plaintext is
    ever returned with it, and the state it was opened with (a chat session,
    a store) is left as it was, so a later genuine message still opens.

    Examples
    --------
    >>> raise DecryptionError("message 3 was changed in transit: its tag is wrong")
    Traceback (most recent call last):
        ...
    privlab.errors.DecryptionError: message 3 was changed in transit: its tag is wrong
    """


class BackupFormatError(DecryptionError):
    """A file is not a backup this version of privlab can read, or its header is damaged.

    Raised *before* any key is tried: a missing or wrong magic number, a
    header cut short, an unknown format version or key-derivation name, or
    key-derivation costs outside the allowed range. Nothing was decrypted and
    nothing was changed.

    Examples
    --------
    >>> from privlab.crypto import backup
    >>> backup.read_header(b"GIF89a, not a backup")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.BackupFormatError: this is not a privlab backup: it should start with ...
    """


class WrongPasswordError(DecryptionError):
    """A key vault refused a password; the message says how many attempts are left."""


class VaultLockedError(PrivlabError):
    """A key vault has destroyed a key after too many wrong passwords; it is gone for good.

    Not even the right password opens it any more, and nobody (not the
    vault's operator either) can bring the key back. A backup sealed with
    that key can no longer be opened by anyone: that is the price of making
    password guessing hopeless.
    """

"""Exception types raised by privlab: each names the parameter, the value and what is allowed."""

from __future__ import annotations


class PrivlabError(Exception):
    """Base class of every error privlab raises on purpose."""


class InvalidParameterError(PrivlabError, ValueError, TypeError):
    """An argument has the wrong type or value; also a ``ValueError`` and a ``TypeError``.

    >>> from privlab import dp
    >>> dp.laplace_mechanism(10, sensitivity=1, epsilon=-1)
    Traceback (most recent call last):
        ...
    privlab.errors.InvalidParameterError: epsilon must be a finite number > 0; got -1.
    """


class BudgetExceededError(PrivlabError):
    """A release would spend more privacy budget than is left; nothing was released.

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
    """Too few shares to rebuild a secret (and too few reveal nothing about it).

    >>> from privlab import mpc
    >>> shares = mpc.shamir_share(42, threshold=3, parties=5, rng=0)
    >>> mpc.shamir_reconstruct(shares[:2])
    Traceback (most recent call last):
        ...
    privlab.errors.NotEnoughSharesError: got 2 shares, but this sharing needs 3 (its threshold).
    """


class ProtocolAbortedError(PrivlabError):
    """An honest party stopped a protocol: what it was sent does not add up (a lying server)."""


class MixedSharesError(PrivlabError):
    """Shares from different sharings were combined; they rebuild nothing meaningful.

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

    With more than ``threshold`` shares, :func:`privlab.mpc.shamir_reconstruct_checked`
    raises it instead of returning a wrong secret.

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
    """A message or backup could not be opened: no plaintext is returned, no state changed.

    Raised for a tampered, truncated, replayed or misaddressed message, a wrong key
    or password, or a corrupt file; a later genuine message still opens.
    """


class BackupFormatError(DecryptionError):
    """A file is not a backup this version can read, or its header is damaged; no key was tried.

    >>> from privlab.crypto import backup
    >>> backup.read_header(b"GIF89a, not a backup")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    privlab.errors.BackupFormatError: this is not a privlab backup: it should start with ...
    """


class WrongPasswordError(DecryptionError):
    """A key vault refused a password; the message says how many attempts are left."""


class VaultLockedError(PrivlabError):
    """A key vault destroyed a key after too many wrong passwords: gone for good, for everyone."""

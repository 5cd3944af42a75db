//! The card a card signer holds: borrowed from the caller or owned.

/// The card a card signer signs with: borrowed (`JpkiCard::signer`,
/// `HpkiCard::signer`: the caller keeps the card and its session afterwards) or owned
/// (`into_signer`: a signer that outlives the scope that opened the card, a
/// `Box<dyn CertSigner>`). Both card crates hold their card this way.
#[derive(Debug)]
pub enum Held<'a, C> {
    /// The caller's card, for the signer's lifetime.
    Borrowed(&'a mut C),
    /// The signer's own card.
    Owned(C),
}

impl<C> core::ops::Deref for Held<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        match self {
            Self::Borrowed(c) => c,
            Self::Owned(c) => c,
        }
    }
}

impl<C> core::ops::DerefMut for Held<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        match self {
            Self::Borrowed(c) => c,
            Self::Owned(c) => c,
        }
    }
}

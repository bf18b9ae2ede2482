//! Rule pack us-irc-2021 (being written).

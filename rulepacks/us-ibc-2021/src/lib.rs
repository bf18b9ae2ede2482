//! Rule pack us-ibc-2021 (being written).

//! Rule pack uk-adk-2013 (being written).

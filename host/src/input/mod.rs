//! Model input: IFC STEP files and the JSON model format both become a
//! [`plancheck_model::Model`]. (Being written; see docs/model-format.md.)

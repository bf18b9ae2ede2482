//! The JSON model format: [`ModelData`] as serde writes it (docs/model-format.md).

use std::collections::HashSet;

use plancheck_model::{Model, ModelData};

use super::error::{InputError, InputErrorKind};
use super::schema;

/// Parses and validates a JSON model.
pub(crate) fn load(bytes: &[u8], name: &str) -> Result<Model, InputError> {
    let mut data: ModelData = serde_json::from_slice(bytes).map_err(|e| {
        let msg = e.to_string();
        // serde_json appends " at line L column C"; we put the position in front
        let msg = match msg.rfind(" at line ") {
            Some(k) => msg[..k].to_owned(),
            None => msg,
        };
        let err = InputError::new(InputErrorKind::Json, name, msg);
        if e.line() > 0 {
            err.at(e.line(), e.column())
        } else {
            err
        }
    })?;
    let invalid = |msg: String| InputError::new(InputErrorKind::InvalidModel, name, msg);
    let Some(v) = schema::version(&data.schema) else {
        return Err(invalid(format!(
            "\"schema\": '{}' is not a known IFC schema (expected {})",
            data.schema,
            schema::SUPPORTED
        )));
    };
    data.schema = schema::family_label(v).to_owned();
    for (i, s) in data.storeys.iter().enumerate() {
        if s.id.is_empty() {
            return Err(invalid(format!("storeys[{i}]: \"id\" is empty")));
        }
        if s.elevation.is_some_and(|e| !e.is_finite()) {
            return Err(invalid(format!(
                "storeys[{i}] ({}): elevation is not a number",
                s.id
            )));
        }
    }
    for (i, e) in data.elements.iter_mut().enumerate() {
        if e.id.is_empty() {
            return Err(invalid(format!(
                "elements[{i}] ({}): \"id\" is empty",
                e.class
            )));
        }
        let Some(class) = schema::class_name(v, &e.class) else {
            return Err(invalid(format!(
                "elements[{i}] (id '{}'): class '{}' is not an entity of {}",
                e.id, e.class, data.schema
            )));
        };
        if !v.is_subtype_of(&class, "IfcObjectDefinition") {
            return Err(invalid(format!(
                "elements[{i}] (id '{}'): class '{class}' is not an IfcObjectDefinition (a product, spatial element, type or project)",
                e.id
            )));
        }
        if e.class != class {
            e.class = class;
        }
    }
    let mut warnings = Vec::new();
    let storey_ids: HashSet<&str> = data.storeys.iter().map(|s| s.id.as_str()).collect();
    let element_ids: HashSet<&str> = data.elements.iter().map(|e| e.id.as_str()).collect();
    for (i, e) in data.elements.iter().enumerate() {
        if let Some(s) = &e.storey {
            if !storey_ids.contains(s.as_str()) {
                warnings.push(format!(
                    "{name}: elements[{i}] (id '{}'): storey '{s}' is not in \"storeys\"",
                    e.id
                ));
            }
        }
        if let Some(s) = &e.space {
            if !element_ids.contains(s.as_str()) {
                warnings.push(format!(
                    "{name}: elements[{i}] (id '{}'): space '{s}' is not an element",
                    e.id
                ));
            }
        }
    }
    let mut model = Model::from_data(data, &|c| schema::supertypes_of(v, c))
        .map_err(|e| invalid(e.to_string()))?;
    for w in warnings {
        model.push_warning(w);
    }
    Ok(model)
}

//! Schema facts: class names, inheritance and attribute layouts come from
//! ifc-lite-core's EXPRESS registry; the *defined types* of attributes (that
//! `IfcDoor.OverallWidth` is an `IfcPositiveLengthMeasure`) are not in that
//! registry, so the few that need a unit live in [`ATTRIBUTE_TYPES`] here.

use foldhash::HashMap;
use std::sync::OnceLock;

use ifc_lite_core::{measure_unit, AttrKind, IfcType, MeasureUnit, SchemaVersion};

/// The schema families Plancheck reads, with the label a model carries.
pub(crate) fn family_label(v: SchemaVersion) -> &'static str {
    match v {
        SchemaVersion::Ifc2x3 => "IFC2X3",
        SchemaVersion::Ifc4 => "IFC4",
        SchemaVersion::Ifc4x1 => "IFC4X1",
        SchemaVersion::Ifc4x2 => "IFC4X2",
        _ => "IFC4X3",
    }
}

/// The supported schema labels, for messages.
pub(crate) const SUPPORTED: &str =
    "IFC2X3, IFC4, IFC4X1, IFC4X2, IFC4X3 (with _ADDn/_TCn suffixes)";

/// Resolves a schema label (`IFC4`, `IFC4X3_ADD2`, `ifc2x3`) to a family.
pub(crate) fn version(label: &str) -> Option<SchemaVersion> {
    SchemaVersion::from_file_schema(label)
}

/// The schema spelling of a class (`IFCSTAIRFLIGHT` → `IfcStairFlight`), if
/// `v` declares it.
pub(crate) fn class_name(v: SchemaVersion, class: &str) -> Option<String> {
    let info = v.entity_info(class)?;
    Some(spelling(info.name))
}

/// Mixed-case spelling of a declared upper-case entity name. Every bundled
/// schema's entities (legacy IFC2X3 ones included) are variants of
/// ifc-lite-core's canonical `IfcType`, whose lookup is a perfect hash.
fn spelling(upper: &str) -> String {
    IfcType::from_str(upper).name().to_owned()
}

/// Supertypes of `class` in `v`, nearest first, schema spelling.
pub(crate) fn supertypes_of(v: SchemaVersion, class: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = v.entity_info(class).and_then(|i| i.parent);
    while let Some(parent) = current {
        if out.len() > 64 {
            break; // a cycle cannot happen in EXPRESS, but never loop forever
        }
        out.push(spelling(parent));
        current = v.entity_info(parent).and_then(|i| i.parent);
    }
    out
}

/// The chain `class, parent, grandparent …` as upper-case names.
fn lineage(v: SchemaVersion, class: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut current = v.entity_info(class);
    while let Some(info) = current {
        if out.len() > 64 {
            break;
        }
        out.push(info.name);
        current = info.parent.and_then(|p| v.entity_info(p));
    }
    out
}

/// The defined types of entity attributes that ifc-lite-core's registry does
/// not carry: `(declaring entity, attribute, defined type)`.
///
/// Complete for every REAL/INTEGER attribute that an `IfcObjectDefinition` or
/// `IfcPropertySetDefinition` subtype declares in IFC2X3, IFC4 and IFC4X3
/// (a unit test checks this against the registry), plus the common text
/// attributes so their data type can be named. Types are the IFC4 ones; IFC2X3
/// differs only in some lining properties being `IfcPositiveLengthMeasure`
/// rather than `IfcNonNegativeLengthMeasure`, which converts the same way.
pub(crate) const ATTRIBUTE_TYPES: &[(&str, &str, &str)] = &[
    // --- text attributes shared by many classes
    ("IFCROOT", "GlobalId", "IfcGloballyUniqueId"),
    ("IFCROOT", "Name", "IfcLabel"),
    ("IFCROOT", "Description", "IfcText"),
    ("IFCOBJECT", "ObjectType", "IfcLabel"),
    ("IFCELEMENT", "Tag", "IfcIdentifier"),
    ("IFCTYPEPRODUCT", "Tag", "IfcLabel"),
    ("IFCTYPEOBJECT", "ApplicableOccurrence", "IfcIdentifier"),
    ("IFCELEMENTTYPE", "ElementType", "IfcLabel"),
    ("IFCSPATIALELEMENTTYPE", "ElementType", "IfcLabel"),
    ("IFCTYPEPROCESS", "ProcessType", "IfcLabel"),
    ("IFCTYPERESOURCE", "ResourceType", "IfcLabel"),
    ("IFCSPATIALELEMENT", "LongName", "IfcLabel"),
    ("IFCSPATIALSTRUCTUREELEMENT", "LongName", "IfcLabel"),
    ("IFCCONTEXT", "LongName", "IfcLabel"),
    ("IFCCONTEXT", "Phase", "IfcLabel"),
    ("IFCPROJECT", "LongName", "IfcLabel"),
    ("IFCPROJECT", "Phase", "IfcLabel"),
    ("IFCSITE", "LandTitleNumber", "IfcLabel"),
    ("IFCELEMENTQUANTITY", "MethodOfMeasurement", "IfcLabel"),
    // --- numbers: spatial elements
    ("IFCBUILDINGSTOREY", "Elevation", "IfcLengthMeasure"),
    ("IFCBUILDING", "ElevationOfRefHeight", "IfcLengthMeasure"),
    ("IFCBUILDING", "ElevationOfTerrain", "IfcLengthMeasure"),
    ("IFCSITE", "RefElevation", "IfcLengthMeasure"),
    ("IFCSPACE", "ElevationWithFlooring", "IfcLengthMeasure"),
    // --- doors, windows, stairs
    ("IFCDOOR", "OverallHeight", "IfcPositiveLengthMeasure"),
    ("IFCDOOR", "OverallWidth", "IfcPositiveLengthMeasure"),
    ("IFCWINDOW", "OverallHeight", "IfcPositiveLengthMeasure"),
    ("IFCWINDOW", "OverallWidth", "IfcPositiveLengthMeasure"),
    ("IFCSTAIRFLIGHT", "NumberOfRiser", "IfcInteger"),
    ("IFCSTAIRFLIGHT", "NumberOfRisers", "IfcInteger"),
    ("IFCSTAIRFLIGHT", "NumberOfTreads", "IfcInteger"),
    ("IFCSTAIRFLIGHT", "RiserHeight", "IfcPositiveLengthMeasure"),
    ("IFCSTAIRFLIGHT", "TreadLength", "IfcPositiveLengthMeasure"),
    // --- predefined property sets
    (
        "IFCDOORLININGPROPERTIES",
        "LiningDepth",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCDOORLININGPROPERTIES",
        "LiningThickness",
        "IfcNonNegativeLengthMeasure",
    ),
    (
        "IFCDOORLININGPROPERTIES",
        "ThresholdDepth",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCDOORLININGPROPERTIES",
        "ThresholdThickness",
        "IfcNonNegativeLengthMeasure",
    ),
    (
        "IFCDOORLININGPROPERTIES",
        "TransomThickness",
        "IfcNonNegativeLengthMeasure",
    ),
    (
        "IFCDOORLININGPROPERTIES",
        "TransomOffset",
        "IfcLengthMeasure",
    ),
    (
        "IFCDOORLININGPROPERTIES",
        "LiningOffset",
        "IfcLengthMeasure",
    ),
    (
        "IFCDOORLININGPROPERTIES",
        "ThresholdOffset",
        "IfcLengthMeasure",
    ),
    (
        "IFCDOORLININGPROPERTIES",
        "CasingThickness",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCDOORLININGPROPERTIES",
        "CasingDepth",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCDOORLININGPROPERTIES",
        "LiningToPanelOffsetX",
        "IfcLengthMeasure",
    ),
    (
        "IFCDOORLININGPROPERTIES",
        "LiningToPanelOffsetY",
        "IfcLengthMeasure",
    ),
    (
        "IFCDOORPANELPROPERTIES",
        "PanelDepth",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCDOORPANELPROPERTIES",
        "PanelWidth",
        "IfcNormalisedRatioMeasure",
    ),
    (
        "IFCWINDOWLININGPROPERTIES",
        "LiningDepth",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCWINDOWLININGPROPERTIES",
        "LiningThickness",
        "IfcNonNegativeLengthMeasure",
    ),
    (
        "IFCWINDOWLININGPROPERTIES",
        "TransomThickness",
        "IfcNonNegativeLengthMeasure",
    ),
    (
        "IFCWINDOWLININGPROPERTIES",
        "MullionThickness",
        "IfcNonNegativeLengthMeasure",
    ),
    (
        "IFCWINDOWLININGPROPERTIES",
        "FirstTransomOffset",
        "IfcNormalisedRatioMeasure",
    ),
    (
        "IFCWINDOWLININGPROPERTIES",
        "SecondTransomOffset",
        "IfcNormalisedRatioMeasure",
    ),
    (
        "IFCWINDOWLININGPROPERTIES",
        "FirstMullionOffset",
        "IfcNormalisedRatioMeasure",
    ),
    (
        "IFCWINDOWLININGPROPERTIES",
        "SecondMullionOffset",
        "IfcNormalisedRatioMeasure",
    ),
    (
        "IFCWINDOWLININGPROPERTIES",
        "LiningOffset",
        "IfcLengthMeasure",
    ),
    (
        "IFCWINDOWLININGPROPERTIES",
        "LiningToPanelOffsetX",
        "IfcLengthMeasure",
    ),
    (
        "IFCWINDOWLININGPROPERTIES",
        "LiningToPanelOffsetY",
        "IfcLengthMeasure",
    ),
    (
        "IFCWINDOWPANELPROPERTIES",
        "FrameDepth",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCWINDOWPANELPROPERTIES",
        "FrameThickness",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCPERMEABLECOVERINGPROPERTIES",
        "FrameDepth",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCPERMEABLECOVERINGPROPERTIES",
        "FrameThickness",
        "IfcPositiveLengthMeasure",
    ),
    // --- reinforcement, fasteners, structure
    (
        "IFCMECHANICALFASTENER",
        "NominalDiameter",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCMECHANICALFASTENER",
        "NominalLength",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCMECHANICALFASTENERTYPE",
        "NominalDiameter",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCMECHANICALFASTENERTYPE",
        "NominalLength",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGBAR",
        "NominalDiameter",
        "IfcPositiveLengthMeasure",
    ),
    ("IFCREINFORCINGBAR", "CrossSectionArea", "IfcAreaMeasure"),
    ("IFCREINFORCINGBAR", "BarLength", "IfcPositiveLengthMeasure"),
    (
        "IFCREINFORCINGBARTYPE",
        "NominalDiameter",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGBARTYPE",
        "CrossSectionArea",
        "IfcAreaMeasure",
    ),
    (
        "IFCREINFORCINGBARTYPE",
        "BarLength",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGMESH",
        "MeshLength",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGMESH",
        "MeshWidth",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGMESH",
        "LongitudinalBarNominalDiameter",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGMESH",
        "TransverseBarNominalDiameter",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGMESH",
        "LongitudinalBarCrossSectionArea",
        "IfcAreaMeasure",
    ),
    (
        "IFCREINFORCINGMESH",
        "TransverseBarCrossSectionArea",
        "IfcAreaMeasure",
    ),
    (
        "IFCREINFORCINGMESH",
        "LongitudinalBarSpacing",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGMESH",
        "TransverseBarSpacing",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGMESHTYPE",
        "MeshLength",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGMESHTYPE",
        "MeshWidth",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGMESHTYPE",
        "LongitudinalBarNominalDiameter",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGMESHTYPE",
        "TransverseBarNominalDiameter",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGMESHTYPE",
        "LongitudinalBarCrossSectionArea",
        "IfcAreaMeasure",
    ),
    (
        "IFCREINFORCINGMESHTYPE",
        "TransverseBarCrossSectionArea",
        "IfcAreaMeasure",
    ),
    (
        "IFCREINFORCINGMESHTYPE",
        "LongitudinalBarSpacing",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCREINFORCINGMESHTYPE",
        "TransverseBarSpacing",
        "IfcPositiveLengthMeasure",
    ),
    ("IFCTENDON", "NominalDiameter", "IfcPositiveLengthMeasure"),
    ("IFCTENDON", "CrossSectionArea", "IfcAreaMeasure"),
    ("IFCTENDON", "TensionForce", "IfcForceMeasure"),
    ("IFCTENDON", "PreStress", "IfcPressureMeasure"),
    (
        "IFCTENDON",
        "FrictionCoefficient",
        "IfcNormalisedRatioMeasure",
    ),
    ("IFCTENDON", "AnchorageSlip", "IfcPositiveLengthMeasure"),
    (
        "IFCTENDON",
        "MinCurvatureRadius",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCTENDONTYPE",
        "NominalDiameter",
        "IfcPositiveLengthMeasure",
    ),
    ("IFCTENDONTYPE", "CrossSectionArea", "IfcAreaMeasure"),
    (
        "IFCTENDONTYPE",
        "SheathDiameter",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCSTRUCTURALSURFACEMEMBER",
        "Thickness",
        "IfcPositiveLengthMeasure",
    ),
    ("IFCSTRUCTURALLOADGROUP", "Coefficient", "IfcRatioMeasure"),
    (
        "IFCALIGNMENTCANT",
        "RailHeadDistance",
        "IfcPositiveLengthMeasure",
    ),
    // --- processes and resources
    ("IFCTASK", "Priority", "IfcInteger"),
    ("IFCWORKCONTROL", "Duration", "IfcTimeMeasure"),
    ("IFCWORKCONTROL", "TotalFloat", "IfcTimeMeasure"),
    (
        "IFCCONSTRUCTIONMATERIALRESOURCE",
        "UsageRatio",
        "IfcRatioMeasure",
    ),
    ("IFCTRANSPORTELEMENT", "CapacityByWeight", "IfcMassMeasure"),
    ("IFCTRANSPORTELEMENT", "CapacityByNumber", "IfcCountMeasure"),
    ("IFCREFERENT", "RestartDistance", "IfcLengthMeasure"),
    // --- IFC2X3-only classes
    (
        "IFCEDGEFEATURE",
        "FeatureLength",
        "IfcPositiveLengthMeasure",
    ),
    ("IFCCHAMFEREDGEFEATURE", "Width", "IfcPositiveLengthMeasure"),
    (
        "IFCCHAMFEREDGEFEATURE",
        "Height",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCROUNDEDEDGEFEATURE",
        "Radius",
        "IfcPositiveLengthMeasure",
    ),
    (
        "IFCELECTRICALBASEPROPERTIES",
        "InputVoltage",
        "IfcElectricVoltageMeasure",
    ),
    (
        "IFCELECTRICALBASEPROPERTIES",
        "InputFrequency",
        "IfcFrequencyMeasure",
    ),
    (
        "IFCELECTRICALBASEPROPERTIES",
        "FullLoadCurrent",
        "IfcElectricCurrentMeasure",
    ),
    (
        "IFCELECTRICALBASEPROPERTIES",
        "MinimumCircuitCurrent",
        "IfcElectricCurrentMeasure",
    ),
    (
        "IFCELECTRICALBASEPROPERTIES",
        "MaximumPowerInput",
        "IfcPowerMeasure",
    ),
    (
        "IFCELECTRICALBASEPROPERTIES",
        "RatedPowerInput",
        "IfcPowerMeasure",
    ),
    ("IFCELECTRICALBASEPROPERTIES", "InputPhase", "IfcInteger"),
    (
        "IFCFLUIDFLOWPROPERTIES",
        "TemperatureSingleValue",
        "IfcThermodynamicTemperatureMeasure",
    ),
    (
        "IFCFLUIDFLOWPROPERTIES",
        "WetBulbTemperatureSingleValue",
        "IfcThermodynamicTemperatureMeasure",
    ),
    (
        "IFCFLUIDFLOWPROPERTIES",
        "FlowConditionSingleValue",
        "IfcPositiveRatioMeasure",
    ),
    (
        "IFCFLUIDFLOWPROPERTIES",
        "VelocitySingleValue",
        "IfcLinearVelocityMeasure",
    ),
    (
        "IFCFLUIDFLOWPROPERTIES",
        "PressureSingleValue",
        "IfcPressureMeasure",
    ),
    (
        "IFCSCHEDULETIMECONTROL",
        "ScheduleDuration",
        "IfcTimeMeasure",
    ),
    ("IFCSCHEDULETIMECONTROL", "ActualDuration", "IfcTimeMeasure"),
    ("IFCSCHEDULETIMECONTROL", "RemainingTime", "IfcTimeMeasure"),
    ("IFCSCHEDULETIMECONTROL", "FreeFloat", "IfcTimeMeasure"),
    ("IFCSCHEDULETIMECONTROL", "TotalFloat", "IfcTimeMeasure"),
    ("IFCSCHEDULETIMECONTROL", "StartFloat", "IfcTimeMeasure"),
    ("IFCSCHEDULETIMECONTROL", "FinishFloat", "IfcTimeMeasure"),
    (
        "IFCSCHEDULETIMECONTROL",
        "Completion",
        "IfcPositiveRatioMeasure",
    ),
    ("IFCSERVICELIFE", "ServiceLifeDuration", "IfcTimeMeasure"),
    ("IFCSOUNDVALUE", "Frequency", "IfcFrequencyMeasure"),
    ("IFCSPACEPROGRAM", "MaxRequiredArea", "IfcAreaMeasure"),
    ("IFCSPACEPROGRAM", "MinRequiredArea", "IfcAreaMeasure"),
    ("IFCSPACEPROGRAM", "StandardRequiredArea", "IfcAreaMeasure"),
    (
        "IFCSPACETHERMALLOADPROPERTIES",
        "ApplicableValueRatio",
        "IfcPositiveRatioMeasure",
    ),
    (
        "IFCSPACETHERMALLOADPROPERTIES",
        "MaximumValue",
        "IfcPowerMeasure",
    ),
    (
        "IFCSPACETHERMALLOADPROPERTIES",
        "MinimumValue",
        "IfcPowerMeasure",
    ),
];

/// What the loader does with instances of a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// An IfcObjectDefinition: becomes an element.
    Object,
    /// IfcRelDefinesByProperties (and IFC2X3 IfcRelOverridesProperties).
    DefinesByProperties,
    /// IfcRelDefinesByType.
    DefinesByType,
    /// IfcRelContainedInSpatialStructure.
    Contained,
    /// IfcRelAggregates.
    Aggregates,
    /// Anything else (properties, units, geometry ...): decoded on demand only.
    Other,
}

/// One attribute of a class, with what the loader knows about its type.
#[derive(Debug, Clone)]
pub(crate) struct AttrSpec {
    pub name: &'static str,
    pub kind: AttrKind,
    pub aggregate: bool,
    /// Defined type from [`ATTRIBUTE_TYPES`] in STEP (upper) case, if listed.
    pub defined: Option<String>,
}

/// Object-definition flags.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ObjectFlags {
    pub is_type: bool,
    pub is_storey: bool,
    pub is_space: bool,
    pub is_project: bool,
}

/// Everything the loader needs about one class (one distinct STEP keyword).
#[derive(Debug, Clone)]
pub(crate) struct ClassInfo {
    /// Upper-case keyword, as STEP spells it.
    pub upper: String,
    /// Schema spelling, or the keyword as written when the schema does not declare it.
    pub name: String,
    /// Whether the file's schema declares the class.
    pub known: bool,
    pub role: Role,
    pub flags: ObjectFlags,
    /// Attribute layout (empty when unknown).
    pub attrs: Vec<AttrSpec>,
}

impl ClassInfo {
    /// Builds the facts for `keyword` in schema `v`.
    pub fn new(v: SchemaVersion, keyword: &str) -> Self {
        let upper = keyword.to_ascii_uppercase();
        let Some(info) = v.entity_info(&upper) else {
            return ClassInfo {
                name: keyword.to_owned(),
                upper,
                known: false,
                role: Role::Other,
                flags: ObjectFlags::default(),
                attrs: Vec::new(),
            };
        };
        let line = lineage(v, &upper);
        let is = |parent: &str| line.iter().any(|c| c.eq_ignore_ascii_case(parent));
        let role = if is("IFCOBJECTDEFINITION") {
            Role::Object
        } else if is("IFCRELDEFINESBYPROPERTIES") {
            Role::DefinesByProperties
        } else if upper == "IFCRELDEFINESBYTYPE" {
            Role::DefinesByType
        } else if upper == "IFCRELCONTAINEDINSPATIALSTRUCTURE" {
            Role::Contained
        } else if upper == "IFCRELAGGREGATES" {
            Role::Aggregates
        } else {
            Role::Other
        };
        let flags = ObjectFlags {
            is_type: is("IFCTYPEOBJECT"),
            is_storey: is("IFCBUILDINGSTOREY"),
            is_space: is("IFCSPACE"),
            is_project: upper == "IFCPROJECT",
        };
        let names = v.attribute_names(&upper).unwrap_or(&[]);
        let attrs = match v.attributes(&upper) {
            Some(slots) => slots
                .zip(names.iter())
                .map(|(slot, &name)| AttrSpec {
                    name,
                    kind: slot.kind,
                    aggregate: slot.aggregate,
                    defined: attribute_type(&line, name).map(str::to_ascii_uppercase),
                })
                .collect(),
            None => Vec::new(),
        };
        ClassInfo {
            name: spelling(info.name),
            upper,
            known: true,
            role,
            flags,
            attrs,
        }
    }

    /// Position of the attribute `name`, if the class has it.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.attrs.iter().position(|a| a.name == name)
    }
}

/// The defined type of `attr` as declared by the nearest class of `lineage`
/// that [`ATTRIBUTE_TYPES`] lists.
fn attribute_type(lineage: &[&str], attr: &str) -> Option<&'static str> {
    lineage.iter().find_map(|class| {
        ATTRIBUTE_TYPES
            .iter()
            .find(|(c, a, _)| c == class && *a == attr)
            .map(|(_, _, t)| *t)
    })
}

/// A defined type: its schema spelling and, for measures, the unit it uses
/// (ifc-lite-core's measure → unit table).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DefinedType {
    pub name: &'static str,
    pub unit: Option<MeasureUnit>,
}

/// The defined type written `upper` in STEP (`IFCLENGTHMEASURE`), if IFC
/// has it. One hash lookup: this runs for every value in the file.
pub(crate) fn defined_type(upper: &str) -> Option<DefinedType> {
    static MAP: OnceLock<HashMap<String, DefinedType>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        DEFINED_TYPES
            .iter()
            .map(|&name| {
                let unit = measure_unit(name);
                (name.to_ascii_uppercase(), DefinedType { name, unit })
            })
            .collect()
    });
    map.get(upper).copied()
}

/// IFC defined types that can appear as typed values (`IfcValue` and friends)
/// in IFC2X3, IFC4 and IFC4X3.
const DEFINED_TYPES: &[&str] = &[
    // simple values
    "IfcBinary",
    "IfcBoolean",
    "IfcDate",
    "IfcDateTime",
    "IfcDuration",
    "IfcIdentifier",
    "IfcInteger",
    "IfcLabel",
    "IfcLogical",
    "IfcPositiveInteger",
    "IfcReal",
    "IfcText",
    "IfcTime",
    "IfcTimeStamp",
    "IfcURIReference",
    "IfcGloballyUniqueId",
    "IfcDayInMonthNumber",
    "IfcDayInWeekNumber",
    "IfcMonthInYearNumber",
    "IfcYearNumber",
    "IfcHourInDay",
    "IfcMinuteInHour",
    "IfcSecondInMinute",
    "IfcSpecularExponent",
    "IfcSpecularRoughness",
    // measures
    "IfcAmountOfSubstanceMeasure",
    "IfcAreaMeasure",
    "IfcComplexNumber",
    "IfcContextDependentMeasure",
    "IfcCountMeasure",
    "IfcDescriptiveMeasure",
    "IfcElectricCurrentMeasure",
    "IfcLengthMeasure",
    "IfcLuminousIntensityMeasure",
    "IfcMassMeasure",
    "IfcNonNegativeLengthMeasure",
    "IfcNormalisedRatioMeasure",
    "IfcNumericMeasure",
    "IfcParameterValue",
    "IfcPlaneAngleMeasure",
    "IfcPositiveLengthMeasure",
    "IfcPositivePlaneAngleMeasure",
    "IfcPositiveRatioMeasure",
    "IfcRatioMeasure",
    "IfcSolidAngleMeasure",
    "IfcThermodynamicTemperatureMeasure",
    "IfcTimeMeasure",
    "IfcVolumeMeasure",
    // derived measures
    "IfcAbsorbedDoseMeasure",
    "IfcAccelerationMeasure",
    "IfcAngularVelocityMeasure",
    "IfcAreaDensityMeasure",
    "IfcCompoundPlaneAngleMeasure",
    "IfcCurvatureMeasure",
    "IfcDoseEquivalentMeasure",
    "IfcDynamicViscosityMeasure",
    "IfcElectricCapacitanceMeasure",
    "IfcElectricChargeMeasure",
    "IfcElectricConductanceMeasure",
    "IfcElectricResistanceMeasure",
    "IfcElectricVoltageMeasure",
    "IfcEnergyMeasure",
    "IfcForceMeasure",
    "IfcFrequencyMeasure",
    "IfcHeatFluxDensityMeasure",
    "IfcHeatingValueMeasure",
    "IfcIlluminanceMeasure",
    "IfcInductanceMeasure",
    "IfcIntegerCountRateMeasure",
    "IfcIonConcentrationMeasure",
    "IfcIsothermalMoistureCapacityMeasure",
    "IfcKinematicViscosityMeasure",
    "IfcLinearForceMeasure",
    "IfcLinearMomentMeasure",
    "IfcLinearStiffnessMeasure",
    "IfcLinearVelocityMeasure",
    "IfcLuminousFluxMeasure",
    "IfcLuminousIntensityDistributionMeasure",
    "IfcMagneticFluxDensityMeasure",
    "IfcMagneticFluxMeasure",
    "IfcMassDensityMeasure",
    "IfcMassFlowRateMeasure",
    "IfcMassPerLengthMeasure",
    "IfcModulusOfElasticityMeasure",
    "IfcModulusOfLinearSubgradeReactionMeasure",
    "IfcModulusOfRotationalSubgradeReactionMeasure",
    "IfcModulusOfSubgradeReactionMeasure",
    "IfcMoistureDiffusivityMeasure",
    "IfcMolecularWeightMeasure",
    "IfcMomentOfInertiaMeasure",
    "IfcMonetaryMeasure",
    "IfcPHMeasure",
    "IfcPlanarForceMeasure",
    "IfcPowerMeasure",
    "IfcPressureMeasure",
    "IfcRadioActivityMeasure",
    "IfcRotationalFrequencyMeasure",
    "IfcRotationalMassMeasure",
    "IfcRotationalStiffnessMeasure",
    "IfcSectionModulusMeasure",
    "IfcSectionalAreaIntegralMeasure",
    "IfcShearModulusMeasure",
    "IfcSoundPowerLevelMeasure",
    "IfcSoundPowerMeasure",
    "IfcSoundPressureLevelMeasure",
    "IfcSoundPressureMeasure",
    "IfcSpecificHeatCapacityMeasure",
    "IfcTemperatureGradientMeasure",
    "IfcTemperatureRateOfChangeMeasure",
    "IfcThermalAdmittanceMeasure",
    "IfcThermalConductivityMeasure",
    "IfcThermalExpansionCoefficientMeasure",
    "IfcThermalResistanceMeasure",
    "IfcThermalTransmittanceMeasure",
    "IfcTorqueMeasure",
    "IfcVaporPermeabilityMeasure",
    "IfcVolumetricFlowRateMeasure",
    "IfcWarpingConstantMeasure",
    "IfcWarpingMomentMeasure",
];

#[cfg(test)]
mod tests {
    use super::*;
    use ifc_lite_core::IFC_TYPES;

    #[test]
    fn spelling_and_supertypes_come_from_the_registry() {
        let v = version("IFC4").unwrap();
        assert_eq!(
            class_name(v, "IFCSTAIRFLIGHT").as_deref(),
            Some("IfcStairFlight")
        );
        assert_eq!(class_name(v, "ifcdoor").as_deref(), Some("IfcDoor"));
        let sup = supertypes_of(v, "IfcDoor");
        assert_eq!(sup[0], "IfcBuildingElement");
        assert!(sup.iter().any(|s| s == "IfcProduct"));
        assert_eq!(sup.last().map(String::as_str), Some("IfcRoot"));
        let v2 = version("IFC2X3").unwrap();
        assert!(supertypes_of(v2, "IfcDoorStyle").contains(&"IfcTypeProduct".to_owned()));
        assert_eq!(
            class_name(version("IFC4X3_ADD2").unwrap(), "IfcDoorStyle"),
            None
        );
    }

    #[test]
    fn defined_type_names_use_schema_spelling() {
        assert_eq!(
            defined_type("IFCLENGTHMEASURE").unwrap().name,
            "IfcLengthMeasure"
        );
        assert_eq!(defined_type("IFCPHMEASURE").unwrap().name, "IfcPHMeasure");
        assert!(matches!(
            defined_type("IFCAREAMEASURE").unwrap().unit,
            Some(MeasureUnit::Typed {
                unit_type: "AREAUNIT",
                ..
            })
        ));
        assert!(defined_type("IFCLABEL").unwrap().unit.is_none());
        assert!(defined_type("IFCNOSUCHTYPE").is_none());
    }

    /// Every REAL/INTEGER attribute declared by an object or property-set
    /// definition has a defined type in [`ATTRIBUTE_TYPES`], in every schema,
    /// so no length can reach a rule pack unconverted.
    /// Entities of the bundled schemas that ifc-lite-core's `IFC_TYPES`
    /// (the IFC4X3 universe) leaves out: IFC2X3/IFC4-only classes.
    const LEGACY: &str = "IfcBeamStandardCase IfcBuildingElement IfcBuildingElementType IfcColumnStandardCase IfcDoorStandardCase IfcDoorStyle IfcMemberStandardCase IfcOpeningStandardCase IfcPlateStandardCase IfcPresentationStyleAssignment IfcProxy IfcSlabElementedCase IfcSlabStandardCase IfcWallElementedCase IfcWindowStandardCase IfcWindowStyle Ifc2DCompositeCurve IfcAngularDimension IfcAnnotationCurveOccurrence IfcAnnotationFillAreaOccurrence IfcAnnotationOccurrence IfcAnnotationSurface IfcAnnotationSurfaceOccurrence IfcAnnotationSymbolOccurrence IfcAnnotationTextOccurrence IfcAppliedValueRelationship IfcApprovalActorRelationship IfcApprovalPropertyRelationship IfcBezierCurve IfcBuildingElementComponent IfcCalendarDate IfcChamferEdgeFeature IfcClassificationItem IfcClassificationItemRelationship IfcClassificationNotation IfcClassificationNotationFacet IfcCondition IfcConditionCriterion IfcConnectionPortGeometry IfcConstraintAggregationRelationship IfcConstraintClassificationRelationship IfcConstraintRelationship IfcCoordinatedUniversalTimeOffset IfcCraneRailAShapeProfileDef IfcCraneRailFShapeProfileDef IfcDateAndTime IfcDefinedSymbol IfcDiameterDimension IfcDimensionCalloutRelationship IfcDimensionCurve IfcDimensionCurveDirectedCallout IfcDimensionCurveTerminator IfcDimensionPair IfcDocumentElectronicFormat IfcDraughtingCallout IfcDraughtingCalloutRelationship IfcDraughtingPreDefinedTextFont IfcEdgeFeature IfcElectricDistributionPoint IfcElectricHeaterType IfcElectricalBaseProperties IfcElectricalCircuit IfcElectricalElement IfcEnergyProperties IfcEnvironmentalImpactValue IfcEquipmentElement IfcEquipmentStandard IfcExtendedMaterialProperties IfcExternallyDefinedSymbol IfcFillAreaStyleTileSymbolWithStyle IfcFluidFlowProperties IfcFuelProperties IfcFurnitureStandard IfcGasTerminalType IfcGeneralMaterialProperties IfcGeneralProfileProperties IfcHygroscopicMaterialProperties IfcLinearDimension IfcLocalTime IfcMechanicalConcreteMaterialProperties IfcMechanicalMaterialProperties IfcMechanicalSteelMaterialProperties IfcMove IfcOneDirectionRepeatFactor IfcOpticalMaterialProperties IfcOrderAction IfcPreDefinedDimensionSymbol IfcPreDefinedPointMarkerSymbol IfcPreDefinedSymbol IfcPreDefinedTerminatorSymbol IfcProductsOfCombustionProperties IfcProjectOrderRecord IfcProjectionCurve IfcPropertyConstraintRelationship IfcRadiusDimension IfcRationalBezierCurve IfcReferencesValueDocument IfcRelAssignsTasks IfcRelAssignsToProjectOrder IfcRelAssociatesAppliedValue IfcRelAssociatesProfileProperties IfcRelConnectsStructuralElement IfcRelInteractionRequirements IfcRelOccupiesSpaces IfcRelOverridesProperties IfcRelSchedulesCostItems IfcRelaxation IfcRibPlateProfileProperties IfcRoundedEdgeFeature IfcScheduleTimeControl IfcServiceLife IfcServiceLifeFactor IfcSoundProperties IfcSoundValue IfcSpaceProgram IfcSpaceThermalLoadProperties IfcStructuralLinearActionVarying IfcStructuralPlanarActionVarying IfcStructuralProfileProperties IfcStructuralSteelProfileProperties IfcStructuredDimensionCallout IfcSymbolStyle IfcTerminatorSymbol IfcTextStyleWithBoxCharacteristics IfcThermalMaterialProperties IfcTimeSeriesReferenceRelationship IfcTimeSeriesSchedule IfcTwoDirectionRepeatFactor IfcVertexBasedTextureMap IfcWaterProperties IfcCircularArcSegment2D IfcCurveSegment2D IfcDistanceExpression IfcLineSegment2D IfcOrientationExpression IfcTransitionCurveSegment2D IfcAlignment2DHorizontal IfcAlignment2DHorizontalSegment IfcAlignment2DSegment IfcAlignment2DVerSegCircularArc IfcAlignment2DVerticalSegment IfcAlignment2DVerSegLine IfcAlignment2DVerSegParabolicArc IfcAlignment2DVertical IfcAlignmentCurve";

    #[test]
    fn attribute_types_cover_every_numeric_attribute() {
        let mut missing = Vec::new();
        for v in [
            SchemaVersion::Ifc2x3,
            SchemaVersion::Ifc4,
            SchemaVersion::Ifc4x1,
            SchemaVersion::Ifc4x2,
            SchemaVersion::Ifc4x3,
        ] {
            let names = IFC_TYPES
                .iter()
                .filter_map(|t| t.known_as_str())
                .map(str::to_owned)
                .chain(LEGACY.split(' ').map(|n| n.to_ascii_uppercase()));
            for upper in names {
                let upper = upper.as_str();
                if v.entity_info(upper).is_none() {
                    continue;
                }
                let c = ClassInfo::new(v, upper);
                let relevant =
                    c.role == Role::Object || v.is_subtype_of(upper, "IfcPropertySetDefinition");
                if !relevant {
                    continue;
                }
                for a in &c.attrs {
                    if matches!(a.kind, AttrKind::Real | AttrKind::Int) && a.defined.is_none() {
                        missing.push(format!("{} {}.{}", family_label(v), c.name, a.name));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "no defined type for: {missing:?}");
        // and every listed type converts (is a measure or a simple number)
        for (_, _, t) in ATTRIBUTE_TYPES {
            assert_eq!(
                defined_type(&t.to_ascii_uppercase()).map(|d| d.name),
                Some(*t)
            );
        }
    }
}

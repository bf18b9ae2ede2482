//! Model input from small hand-written STEP files and JSON models.

use plancheck::input::{load_bytes, load_file, supertypes, Format, InputErrorKind};
use plancheck_model::{MeasureKind, Model, ModelData, SetKind, Value};

/// A complete STEP file: header for `schema`, the project (#1, units #100),
/// `units` (entities #100 and up, #100 being the IfcUnitAssignment) and `body`.
fn step(schema: &str, units: &str, body: &str) -> String {
    format!(
        "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('ViewDefinition [CoordinationView]'),'2;1');\n\
         FILE_NAME('t.ifc','2024-01-01T00:00:00',(''),(''),'','','');\n\
         FILE_SCHEMA(('{schema}'));\nENDSEC;\nDATA;\n\
         #1=IFCPROJECT('0YvctVUKr0kugbFTf53O9L',$,'Project',$,$,$,$,$,#100);\n\
         {units}\n{body}\nENDSEC;\nEND-ISO-10303-21;\n"
    )
}

const METRE: &str = "#100=IFCUNITASSIGNMENT((#101,#102));\n\
    #101=IFCSIUNIT(*,.LENGTHUNIT.,$,.METRE.);\n\
    #102=IFCSIUNIT(*,.AREAUNIT.,$,.SQUARE_METRE.);";

const MILLIMETRE: &str = "#100=IFCUNITASSIGNMENT((#101,#102,#103));\n\
    #101=IFCSIUNIT(*,.LENGTHUNIT.,.MILLI.,.METRE.);\n\
    #102=IFCSIUNIT(*,.AREAUNIT.,$,.SQUARE_METRE.);\n\
    #103=IFCSIUNIT(*,.VOLUMEUNIT.,$,.CUBIC_METRE.);";

const FOOT: &str = "#100=IFCUNITASSIGNMENT((#110,#120,#130));\n\
    #111=IFCDIMENSIONALEXPONENTS(1,0,0,0,0,0,0);\n\
    #112=IFCSIUNIT(*,.LENGTHUNIT.,$,.METRE.);\n\
    #113=IFCMEASUREWITHUNIT(IFCLENGTHMEASURE(0.3048),#112);\n\
    #110=IFCCONVERSIONBASEDUNIT(#111,.LENGTHUNIT.,'FOOT',#113);\n\
    #121=IFCDIMENSIONALEXPONENTS(2,0,0,0,0,0,0);\n\
    #122=IFCSIUNIT(*,.AREAUNIT.,$,.SQUARE_METRE.);\n\
    #123=IFCMEASUREWITHUNIT(IFCAREAMEASURE(0.09290304),#122);\n\
    #120=IFCCONVERSIONBASEDUNIT(#121,.AREAUNIT.,'SQUARE FOOT',#123);\n\
    #131=IFCDIMENSIONALEXPONENTS(0,0,0,0,0,0,0);\n\
    #132=IFCSIUNIT(*,.PLANEANGLEUNIT.,$,.RADIAN.);\n\
    #133=IFCMEASUREWITHUNIT(IFCPLANEANGLEMEASURE(0.0174532925199433),#132);\n\
    #130=IFCCONVERSIONBASEDUNIT(#131,.PLANEANGLEUNIT.,'DEGREE',#133);";

fn load(text: &str) -> Model {
    load_bytes(text.as_bytes(), Some(Format::Ifc), "t.ifc").unwrap_or_else(|e| panic!("{e}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

fn length(m: &Model, id: &str, attr: &str) -> f64 {
    m.get(id)
        .unwrap_or_else(|| panic!("no element {id}"))
        .attribute(attr)
        .and_then(Value::as_length)
        .unwrap_or_else(|| panic!("{id}.{attr} is not a length"))
}

fn door_file(units: &str, width: &str, pset_width: &str, area: &str, angle: &str) -> String {
    step(
        "IFC4",
        units,
        &format!(
            "#10=IFCDOOR('1hqIFTRjfV6AWq_bMtnZwI',$,'D1',$,$,$,$,$,{width},{width},.DOOR.,$,$);\n\
             #11=IFCPROPERTYSINGLEVALUE('Width',$,IFCPOSITIVELENGTHMEASURE({pset_width}),$);\n\
             #12=IFCPROPERTYSINGLEVALUE('SwingAngle',$,IFCPLANEANGLEMEASURE({angle}),$);\n\
             #13=IFCPROPERTYSET('2BQ1Jy3B17jPCGwQHIYWrF',$,'Pset_Test',$,(#11,#12));\n\
             #14=IFCQUANTITYAREA('Area',$,$,{area},$);\n\
             #15=IFCELEMENTQUANTITY('0ld4rX1T1Cl8PHuFBpEFD2',$,'Qto_DoorBaseQuantities',$,$,(#14));\n\
             #16=IFCRELDEFINESBYPROPERTIES('3Rpk3yxR98lxFoJx8fPo9q',$,$,$,(#10),#13);\n\
             #17=IFCRELDEFINESBYPROPERTIES('1UvqSTFGv7APrHSfVOSc1m',$,$,$,(#10),#15);"
        ),
    )
}

#[test]
fn millimetre_metre_and_foot_files_give_the_same_si_values() {
    let files = [
        (
            "mm",
            door_file(MILLIMETRE, "900.", "900.", "1.89", "1.5707963267949"),
        ),
        (
            "m",
            door_file(METRE, "0.9", "0.9", "1.89", "1.5707963267949"),
        ),
        (
            "ft",
            door_file(
                FOOT,
                "2.952755905511811",
                "2.952755905511811",
                "20.3438",
                "90.",
            ),
        ),
    ];
    for (label, text) in files {
        let m = load(&text);
        assert!(m.warnings().is_empty(), "{label}: {:?}", m.warnings());
        let id = "1hqIFTRjfV6AWq_bMtnZwI";
        assert!(close(length(&m, id, "OverallWidth"), 0.9), "{label}");
        let door = m.get(id).unwrap();
        assert_eq!(
            door.attributes
                .iter()
                .find(|a| a.name == "OverallWidth")
                .unwrap()
                .data_type,
            "IfcPositiveLengthMeasure"
        );
        let w = door.property("Pset_Test", "Width").unwrap();
        assert!(close(w.as_length().unwrap(), 0.9), "{label}: {w:?}");
        let a = door.property("Qto_DoorBaseQuantities", "Area").unwrap();
        let Value::Measure(a) = a else {
            panic!("{a:?}")
        };
        assert_eq!(a.kind, MeasureKind::Area);
        assert!((a.si - 1.89).abs() < 1e-4, "{label}: {}", a.si);
        let Some(Value::Measure(angle)) = door.property("Pset_Test", "SwingAngle") else {
            panic!()
        };
        assert_eq!(angle.kind, MeasureKind::PlaneAngle);
        assert!(
            (angle.si - std::f64::consts::FRAC_PI_2).abs() < 1e-9,
            "{label}: {}",
            angle.si
        );
        let set = door
            .property_sets
            .iter()
            .find(|s| s.name == "Pset_Test")
            .unwrap();
        assert_eq!(
            set.get("Width").unwrap().data_type,
            "IfcPositiveLengthMeasure"
        );
        assert_eq!(set.kind, SetKind::PropertySet);
    }
}

#[test]
fn centimetre_prefix_and_missing_units() {
    let cm = "#100=IFCUNITASSIGNMENT((#101));\n#101=IFCSIUNIT(*,.LENGTHUNIT.,.CENTI.,.METRE.);";
    let m = load(&door_file(cm, "90.", "90.", "1.", "0."));
    assert!(close(
        length(&m, "1hqIFTRjfV6AWq_bMtnZwI", "OverallWidth"),
        0.9
    ));

    // no IfcUnitAssignment at all: metres, with a warning
    let text = door_file(METRE, "0.9", "0.9", "1.", "0.").replace(",#100);", ",$);");
    let m = load(&text);
    assert!(close(
        length(&m, "1hqIFTRjfV6AWq_bMtnZwI", "OverallWidth"),
        0.9
    ));
    assert!(
        m.warnings().iter().any(|w| w.contains("declares no units")),
        "{:?}",
        m.warnings()
    );
}

#[test]
fn ifc2x3_base_quantities_and_schema_attribute_names() {
    let text = step(
        "IFC2X3",
        MILLIMETRE,
        "#10=IFCSPACE('2Uy1Oq3uHAhAUC6D6nAaYq',$,'101','Office',$,$,$,'Office 101',.ELEMENT.,.INTERNAL.,$);\n\
         #11=IFCQUANTITYLENGTH('Height',$,$,2700.);\n\
         #12=IFCQUANTITYAREA('NetFloorArea',$,$,12.5);\n\
         #13=IFCQUANTITYVOLUME('GrossVolume',$,$,33.75);\n\
         #14=IFCELEMENTQUANTITY('1z0fSXrZX0XQf7_jJ6gs5N',$,'BaseQuantities',$,$,(#11,#12,#13));\n\
         #15=IFCRELDEFINESBYPROPERTIES('0oVcV4uVr7YQzHm4nQbS1_',$,$,$,(#10),#14);\n\
         #20=IFCSTAIRFLIGHT('3Fg0IOxA1Aq8fO8AzvyAFr',$,'Flight',$,$,$,$,$,16,15,175.,280.);",
    );
    let m = load(&text);
    assert!(m.warnings().is_empty(), "{:?}", m.warnings());
    assert_eq!(m.schema(), "IFC2X3");
    let space = m.get("2Uy1Oq3uHAhAUC6D6nAaYq").unwrap();
    assert_eq!(space.class, "IfcSpace");
    let set = &space.property_sets[0];
    assert_eq!(
        (set.name.as_str(), set.kind),
        ("BaseQuantities", SetKind::QuantitySet)
    );
    assert!(close(
        space
            .property("BaseQuantities", "Height")
            .unwrap()
            .as_length()
            .unwrap(),
        2.7
    ));
    assert_eq!(set.get("Height").unwrap().data_type, "IfcLengthMeasure");
    assert_eq!(set.get("NetFloorArea").unwrap().data_type, "IfcAreaMeasure");
    assert!(close(
        space
            .property("*", "GrossVolume")
            .unwrap()
            .as_f64()
            .unwrap(),
        33.75
    ));
    assert_eq!(
        space.attribute("InteriorOrExteriorSpace"),
        Some(&Value::Text("INTERNAL".into()))
    );
    assert_eq!(
        space.attribute("LongName"),
        Some(&Value::Text("Office 101".into()))
    );

    let flight = m.get("3Fg0IOxA1Aq8fO8AzvyAFr").unwrap();
    assert_eq!(flight.attribute("NumberOfRiser"), Some(&Value::Integer(16)));
    assert_eq!(
        flight.attribute("NumberOfRisers"),
        None,
        "IFC2X3 spells it NumberOfRiser"
    );
    assert!(close(
        length(&m, "3Fg0IOxA1Aq8fO8AzvyAFr", "RiserHeight"),
        0.175
    ));
    assert!(close(
        length(&m, "3Fg0IOxA1Aq8fO8AzvyAFr", "TreadLength"),
        0.28
    ));
    // class queries follow the IFC2X3 hierarchy
    assert_eq!(m.count("IfcBuildingElement"), 1);
    assert_eq!(m.count("IfcSpatialStructureElement"), 1);
}

#[test]
fn ifc4_stair_flight_and_qto_sets() {
    let text = step(
        "IFC4",
        MILLIMETRE,
        "#20=IFCSTAIRFLIGHT('3Fg0IOxA1Aq8fO8AzvyAFr',$,'Flight',$,$,$,$,$,16,15,175.,280.,.STRAIGHT.);\n\
         #21=IFCQUANTITYLENGTH('Length',$,$,4200.,$);\n\
         #22=IFCQUANTITYCOUNT('Risers',$,$,16.,$);\n\
         #23=IFCELEMENTQUANTITY('1z0fSXrZX0XQf7_jJ6gs5N',$,'Qto_StairFlightBaseQuantities',$,$,(#21,#22));\n\
         #24=IFCRELDEFINESBYPROPERTIES('0oVcV4uVr7YQzHm4nQbS1_',$,$,$,(#20),#23);\n\
         #25=IFCPROPERTYSINGLEVALUE('NumberOfRiser',$,IFCCOUNTMEASURE(16.),$);\n\
         #26=IFCPROPERTYSINGLEVALUE('RiserHeight',$,IFCPOSITIVELENGTHMEASURE(175.),$);\n\
         #27=IFCPROPERTYSINGLEVALUE('HandicapAccessible',$,IFCBOOLEAN(.T.),$);\n\
         #28=IFCPROPERTYSINGLEVALUE('FireExit',$,IFCLOGICAL(.U.),$);\n\
         #29=IFCPROPERTYENUMERATEDVALUE('Material',$,(IFCLABEL('CONCRETE'),IFCLABEL('STEEL')),$);\n\
         #30=IFCPROPERTYBOUNDEDVALUE('Range',$,IFCLENGTHMEASURE(1.),IFCLENGTHMEASURE(0.),$,$);\n\
         #31=IFCPROPERTYSINGLEVALUE('Note',$,IFCTEXT('ok'),$);\n\
         #32=IFCPROPERTYSET('2BQ1Jy3B17jPCGwQHIYWrF',$,'Pset_StairFlightCommon',$,(#25,#26,#27,#28,#29,#30,#31));\n\
         #33=IFCRELDEFINESBYPROPERTIES('3Rpk3yxR98lxFoJx8fPo9q',$,$,$,(#20),#32);",
    );
    let m = load(&text);
    assert!(m.warnings().is_empty(), "{:?}", m.warnings());
    let f = m.get("3Fg0IOxA1Aq8fO8AzvyAFr").unwrap();
    assert_eq!(f.attribute("NumberOfRisers"), Some(&Value::Integer(16)));
    assert_eq!(f.predefined_type.as_deref(), Some("STRAIGHT"));
    assert!(close(
        f.property("Qto_StairFlightBaseQuantities", "Length")
            .unwrap()
            .as_length()
            .unwrap(),
        4.2
    ));
    assert_eq!(
        f.property("Qto_StairFlightBaseQuantities", "Risers")
            .unwrap()
            .as_count(),
        Some(16)
    );
    let p = |n: &str| f.property("Pset_StairFlightCommon", n).cloned();
    assert_eq!(p("NumberOfRiser").unwrap().as_count(), Some(16));
    assert!(close(p("RiserHeight").unwrap().as_length().unwrap(), 0.175));
    assert_eq!(p("HandicapAccessible"), Some(Value::Boolean(true)));
    assert_eq!(p("FireExit"), Some(Value::Unknown));
    assert_eq!(p("Material"), Some(Value::Text("CONCRETE".into())));
    assert_eq!(p("Range"), None, "bounded values are skipped");
    assert_eq!(p("Note"), Some(Value::Text("ok".into())));
    let set = f
        .property_sets
        .iter()
        .find(|s| s.name == "Pset_StairFlightCommon")
        .unwrap();
    assert_eq!(
        set.get("NumberOfRiser").unwrap().data_type,
        "IfcCountMeasure"
    );
    assert_eq!(set.get("FireExit").unwrap().data_type, "IfcLogical");
    assert_eq!(set.get("Note").unwrap().data_type, "IfcText");
}

#[test]
fn type_property_sets_are_inherited_and_occurrence_values_win() {
    let text = step(
        "IFC4",
        MILLIMETRE,
        "#20=IFCDOORTYPE('0A7gE3xTz8GhM5l9vYq0bB',$,'Type A',$,$,(#23),$,$,'Sliding panel',.DOOR.,.SINGLE_SWING_LEFT.,$,$);\n\
         #21=IFCPROPERTYSINGLEVALUE('FireRating',$,IFCLABEL('EI30'),$);\n\
         #22=IFCPROPERTYSINGLEVALUE('IsExternal',$,IFCBOOLEAN(.F.),$);\n\
         #23=IFCPROPERTYSET('1cV3ApEEX3SgEoxD1M3v7c',$,'Pset_DoorCommon',$,(#21,#22));\n\
         #24=IFCPROPERTYSINGLEVALUE('Manufacturer',$,IFCLABEL('ACME'),$);\n\
         #25=IFCPROPERTYSET('2i0dKY7bL0C9iV9wVD0x2L',$,'Pset_ManufacturerTypeInformation',$,(#24));\n\
         #26=IFCRELDEFINESBYPROPERTIES('3o0hWq1Lz4cw7WbH9WJ2rC',$,$,$,(#20),#25);\n\
         #30=IFCDOOR('1hqIFTRjfV6AWq_bMtnZwI',$,'D1',$,$,$,$,$,2100.,900.,.NOTDEFINED.,$,$);\n\
         #31=IFCDOOR('2hqIFTRjfV6AWq_bMtnZwI',$,'D2',$,'Revolving',$,$,$,2100.,900.,.USERDEFINED.,$,$);\n\
         #32=IFCDOOR('3hqIFTRjfV6AWq_bMtnZwI',$,'D3',$,$,$,$,$,2100.,900.,$,$,$);\n\
         #33=IFCRELDEFINESBYTYPE('0Yq3TnqKP8hOr1zCzJ9e1W',$,$,$,(#30,#31,#32),#20);\n\
         #34=IFCPROPERTYSINGLEVALUE('IsExternal',$,IFCBOOLEAN(.T.),$);\n\
         #35=IFCPROPERTYSET('0vCzZL8Kf2kwbl4cLtY2fn',$,'Pset_DoorCommon',$,(#34));\n\
         #36=IFCRELDEFINESBYPROPERTIES('1xD3Kb9dn0EgMHXqmqd1Rb',$,$,$,(#30),#35);",
    );
    let m = load(&text);
    assert!(m.warnings().is_empty(), "{:?}", m.warnings());
    let d1 = m.get("1hqIFTRjfV6AWq_bMtnZwI").unwrap();
    assert_eq!(
        d1.property("Pset_DoorCommon", "IsExternal"),
        Some(&Value::Boolean(true))
    );
    assert_eq!(
        d1.property("Pset_DoorCommon", "FireRating"),
        Some(&Value::Text("EI30".into()))
    );
    assert_eq!(d1.property("*", "IsExternal"), Some(&Value::Boolean(true)));
    assert_eq!(
        d1.property("Pset_ManufacturerTypeInformation", "Manufacturer"),
        Some(&Value::Text("ACME".into()))
    );
    assert_eq!(
        d1.property_sets
            .iter()
            .filter(|s| s.name == "Pset_DoorCommon")
            .count(),
        1
    );
    assert_eq!(
        d1.predefined_type.as_deref(),
        Some("DOOR"),
        "NOTDEFINED resolves through the type"
    );
    let d2 = m.get("2hqIFTRjfV6AWq_bMtnZwI").unwrap();
    assert_eq!(
        d2.predefined_type.as_deref(),
        Some("Revolving"),
        "USERDEFINED reads ObjectType"
    );
    assert_eq!(
        d2.property("Pset_DoorCommon", "IsExternal"),
        Some(&Value::Boolean(false))
    );
    let d3 = m.get("3hqIFTRjfV6AWq_bMtnZwI").unwrap();
    assert_eq!(
        d3.predefined_type.as_deref(),
        Some("DOOR"),
        "missing resolves through the type"
    );
    let ty = m.get("0A7gE3xTz8GhM5l9vYq0bB").unwrap();
    assert_eq!(ty.class, "IfcDoorType");
    assert_eq!(ty.object_type.as_deref(), Some("Sliding panel"));
    assert_eq!(m.count("IfcDoor"), 3);
    assert_eq!(m.count("IfcTypeObject"), 1);
}

#[test]
fn storeys_and_spaces_through_containment_and_aggregation() {
    let text = step(
        "IFC4",
        MILLIMETRE,
        "#2=IFCSITE('0aSite000000000000000A',$,'Site',$,$,$,$,$,.ELEMENT.,$,$,$,$,$);\n\
         #3=IFCBUILDING('0aBuilding000000000000',$,'B',$,$,$,$,$,.ELEMENT.,$,$,$);\n\
         #4=IFCBUILDINGSTOREY('0aStorey10000000000000',$,'Level 1',$,$,$,$,$,.ELEMENT.,3000.);\n\
         #5=IFCBUILDINGSTOREY('0aStorey00000000000000',$,'Ground',$,$,$,$,$,.ELEMENT.,0.);\n\
         #6=IFCRELAGGREGATES('0r1',$,$,$,#1,(#2));\n\
         #7=IFCRELAGGREGATES('0r2',$,$,$,#2,(#3));\n\
         #8=IFCRELAGGREGATES('0r3',$,$,$,#3,(#4,#5));\n\
         #9=IFCSPACE('0aSpace000000000000000',$,'101',$,$,$,$,$,.ELEMENT.,.INTERNAL.,$);\n\
         #10=IFCRELAGGREGATES('0r4',$,$,$,#4,(#9));\n\
         #11=IFCDOOR('0aDoor0000000000000000',$,'D',$,$,$,$,$,2100.,900.,$,$,$);\n\
         #12=IFCRELCONTAINEDINSPATIALSTRUCTURE('0r5',$,$,$,(#11),#9);\n\
         #13=IFCWALL('0aWall0000000000000000',$,'W',$,$,$,$,$,$);\n\
         #14=IFCSTAIR('0aStair000000000000000',$,'S',$,$,$,$,$,$);\n\
         #15=IFCSTAIRFLIGHT('0aFlight00000000000000',$,'F',$,$,$,$,$,$,$,$,$,$);\n\
         #16=IFCRELCONTAINEDINSPATIALSTRUCTURE('0r6',$,$,$,(#13,#14),#5);\n\
         #17=IFCRELAGGREGATES('0r7',$,$,$,#14,(#15));\n\
         #18=IFCRELCONTAINEDINSPATIALSTRUCTURE('0r8',$,$,$,(#99),#5);",
    );
    let m = load(&text);
    // the dangling #99 is a warning, not an error
    assert_eq!(m.warnings().len(), 1, "{:?}", m.warnings());
    assert!(m.warnings()[0].contains("#99"), "{}", m.warnings()[0]);
    assert!(m.warnings()[0].starts_with("t.ifc:"), "{}", m.warnings()[0]);
    let storeys: Vec<_> = m
        .storeys()
        .iter()
        .map(|s| (s.name.as_deref().unwrap(), s.elevation))
        .collect();
    assert_eq!(storeys, [("Ground", Some(0.0)), ("Level 1", Some(3.0))]);
    let at = |id: &str| {
        let e = m.get(id).unwrap();
        (e.storey.as_deref(), e.space.as_deref())
    };
    assert_eq!(
        at("0aDoor0000000000000000"),
        (
            Some("0aStorey10000000000000"),
            Some("0aSpace000000000000000")
        )
    );
    assert_eq!(
        at("0aSpace000000000000000"),
        (Some("0aStorey10000000000000"), None)
    );
    assert_eq!(
        at("0aWall0000000000000000"),
        (Some("0aStorey00000000000000"), None)
    );
    assert_eq!(
        at("0aFlight00000000000000"),
        (Some("0aStorey00000000000000"), None)
    );
    assert_eq!(at("0aStorey10000000000000"), (None, None));
    assert_eq!(at("0aBuilding000000000000"), (None, None));
    let q = plancheck_model::Query {
        class: "IfcBuildingElement".into(),
        storey: Some("0aStorey00000000000000".into()),
        ..Default::default()
    };
    assert_eq!(m.query(&q).len(), 3);
}

#[test]
fn broken_pieces_are_warnings() {
    let text = step(
        "IFC4",
        METRE,
        "#10=IFCDOOR('1hqIFTRjfV6AWq_bMtnZwI',$,'D1',$,$,$,$,$,2.1,'wide',$,$,$);\n\
         #11=IFCPROPERTYSINGLEVALUE('Width',$,IFCLENGTHMEASURE('x'),$);\n\
         #12=IFCPROPERTYSINGLEVALUE('Height',$,IFCLENGTHMEASURE(2.1),$);\n\
         #13=IFCPROPERTYSET('2BQ1Jy3B17jPCGwQHIYWrF',$,'Pset_Test',$,(#11,#12,#77));\n\
         #14=IFCRELDEFINESBYPROPERTIES('3Rpk3yxR98lxFoJx8fPo9q',$,$,$,(#10),#13);\n\
         #15=IFCPROPERTYSET('2BQ1Jy3B17jPCGwQHIYWrG',$,$,$,(#12));\n\
         #16=IFCRELDEFINESBYPROPERTIES('3Rpk3yxR98lxFoJx8fPo9r',$,$,$,(#10,#88),#15);\n\
         #17=IFCWALL($,$,'no id',$,$,$,$,$,$);\n\
         #18=IFCFOOBAR('x');",
    );
    let m = load(&text);
    let w = m.warnings().join("\n");
    assert!(
        w.contains("t.ifc:12: entity #10 (IFCDOOR): attribute 9 (OverallWidth) is not a number"),
        "{w}"
    );
    assert!(w.contains("entity #11 (IFCPROPERTYSINGLEVALUE)"), "{w}");
    assert!(w.contains("#77, which does not exist"), "{w}");
    assert!(w.contains("#88, which does not exist"), "{w}");
    assert!(w.contains("property set has no Name"), "{w}");
    assert!(w.contains("entity #17 (IFCWALL): has no GlobalId"), "{w}");
    assert!(w.contains("IFCFOOBAR is not an entity of IFC4"), "{w}");
    let d = m.get("1hqIFTRjfV6AWq_bMtnZwI").unwrap();
    assert!(close(
        length(&m, "1hqIFTRjfV6AWq_bMtnZwI", "OverallHeight"),
        2.1
    ));
    assert_eq!(d.attribute("OverallWidth"), None);
    assert!(close(
        d.property("Pset_Test", "Height")
            .unwrap()
            .as_length()
            .unwrap(),
        2.1
    ));
    assert_eq!(d.property("Pset_Test", "Width"), None);
}

#[test]
fn unreadable_files_are_errors_with_a_line() {
    let full = door_file(METRE, "0.9", "0.9", "1.", "0.");
    // cut inside the door record (line 12)
    let cut = &full[..full.find("'D1'").unwrap() + 3];
    let e = load_bytes(cut.as_bytes(), Some(Format::Ifc), "cut.ifc").unwrap_err();
    assert_eq!(e.kind(), InputErrorKind::Truncated, "{e}");
    assert_eq!(e.line(), Some(12), "{e}");
    assert_eq!(e.entity_id(), Some(10), "{e}");
    assert_eq!(e.entity_type(), Some("IFCDOOR"));
    assert!(
        e.to_string()
            .starts_with("cut.ifc:12: entity #10 (IFCDOOR): the file is truncated"),
        "{e}"
    );

    // cut between records
    let cut = &full[..full.find("#11=").unwrap()];
    let e = load_bytes(cut.as_bytes(), Some(Format::Ifc), "cut.ifc").unwrap_err();
    assert_eq!(e.kind(), InputErrorKind::Truncated, "{e}");
    assert!(e.line().is_some());

    let e = load_bytes(b"\n\nthis is not a model\n", Some(Format::Ifc), "junk.ifc").unwrap_err();
    assert_eq!(e.kind(), InputErrorKind::NotStep);
    assert_eq!(
        e.to_string(),
        "junk.ifc:3: not an IFC STEP file: it does not start with 'ISO-10303-21;'"
    );

    let e = load_bytes(
        full.replace("'IFC4'", "'IFC5'").as_bytes(),
        None,
        "five.ifc",
    )
    .unwrap_err();
    assert_eq!(e.kind(), InputErrorKind::UnsupportedSchema);
    assert_eq!(e.line(), Some(5), "{e}");
    assert!(e.message().contains("'IFC5'"), "{e}");

    let e = load_bytes(b"", None, "empty").unwrap_err();
    assert_eq!(e.kind(), InputErrorKind::UnknownFormat);

    // garbage instead of records
    let junk = step("IFC4", METRE, "").replace('#', "");
    let e = load_bytes(junk.as_bytes(), None, "junk.ifc").unwrap_err();
    assert_eq!(e.kind(), InputErrorKind::Syntax, "{e}");
    assert_eq!(e.line(), Some(8), "{e}");

    let e = load_file(std::path::Path::new("/no/such/model.ifc")).unwrap_err();
    assert_eq!(e.kind(), InputErrorKind::Io);
}

#[test]
fn unresolvable_units_leave_values_out() {
    let units = "#100=IFCUNITASSIGNMENT((#101));\n\
        #101=IFCCONVERSIONBASEDUNIT(*,.LENGTHUNIT.,'CUBIT',#102);\n\
        #102=IFCMEASUREWITHUNIT(IFCLENGTHMEASURE(0.),$);";
    let m = load(&door_file(units, "2.", "2.", "1.", "0."));
    let d = m.get("1hqIFTRjfV6AWq_bMtnZwI").unwrap();
    assert_eq!(d.attribute("OverallWidth"), None);
    assert_eq!(d.property("Pset_Test", "Width"), None);
    assert!(
        d.property("Qto_DoorBaseQuantities", "Area").is_some(),
        "areas are unaffected"
    );
    assert!(
        m.warnings()
            .iter()
            .any(|w| w.contains("LENGTHUNIT cannot be converted")),
        "{:?}",
        m.warnings()
    );
}

#[test]
fn ifc4x3_loads() {
    let text = step(
        "IFC4X3_ADD2",
        METRE,
        "#10=IFCDOOR('1hqIFTRjfV6AWq_bMtnZwI',$,'D1',$,$,$,$,$,2.1,0.9,.DOOR.,$,$);",
    );
    let m = load(&text);
    assert_eq!(m.schema(), "IFC4X3");
    assert_eq!(m.count("IfcBuiltElement"), 1);
    assert_eq!(supertypes("IFC4X3", "IfcDoor")[0], "IfcBuiltElement");
}

#[test]
fn json_round_trip() {
    let text = door_file(MILLIMETRE, "900.", "900.", "1.89", "1.5");
    let m = load(&text);
    let json = serde_json::to_string_pretty(&m.to_data()).unwrap();
    let back = load_bytes(json.as_bytes(), None, "m.json").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.to_data(), m.to_data());
    assert!(close(
        length(&back, "1hqIFTRjfV6AWq_bMtnZwI", "OverallWidth"),
        0.9
    ));
    assert_eq!(back.count("IfcBuildingElement"), 1);
}

#[test]
fn json_errors_name_the_place() {
    let e = load_bytes(
        b"{\n  \"schema\": \"IFC4\",\n  \"elements\": [\n    {\"id\": \"a\"}\n  ]\n}",
        None,
        "m.json",
    )
    .unwrap_err();
    assert_eq!(e.kind(), InputErrorKind::Json);
    assert_eq!((e.line(), e.column()), (Some(4), Some(15)), "{e}");
    assert!(
        e.to_string()
            .starts_with("m.json:4:15: missing field `class`"),
        "{e}"
    );

    let e = load_bytes(
        b"{\"schema\": \"IFC4\", \"elements\": [}",
        Some(Format::Json),
        "m.json",
    )
    .unwrap_err();
    assert_eq!(e.kind(), InputErrorKind::Json);
    assert_eq!(e.line(), Some(1));

    let e = load_bytes(br#"{"schema": "IFC9"}"#, None, "m.json").unwrap_err();
    assert_eq!(e.kind(), InputErrorKind::InvalidModel);
    assert!(e.message().contains("'IFC9'"), "{e}");

    let e = load_bytes(
        br#"{"schema": "IFC4", "elements": [{"id": "a", "class": "IfcDoor"}, {"id": "b", "class": "IfcDoorz"}]}"#,
        None,
        "m.json",
    )
    .unwrap_err();
    assert_eq!(e.kind(), InputErrorKind::InvalidModel);
    assert_eq!(
        e.to_string(),
        "m.json: elements[1] (id 'b'): class 'IfcDoorz' is not an entity of IFC4"
    );

    let e = load_bytes(
        br#"{"schema": "IFC4", "elements": [{"id": "a", "class": "IfcCartesianPoint"}]}"#,
        None,
        "m.json",
    )
    .unwrap_err();
    assert!(e.message().contains("not an IfcObjectDefinition"), "{e}");

    // class spelling is normalised, IFC2X3 names are checked against IFC2X3
    let m = load_bytes(
        br#"{"schema": "ifc2x3", "elements": [{"id": "a", "class": "IFCDOORSTYLE"}]}"#,
        None,
        "m.json",
    )
    .unwrap();
    assert_eq!(m.schema(), "IFC2X3");
    assert_eq!(m.elements()[0].class, "IfcDoorStyle");
}

#[test]
fn documented_json_example_loads() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/small-model.json");
    let m = load_file(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(m.warnings().is_empty(), "{:?}", m.warnings());
    assert_eq!(m.schema(), "IFC4");
    assert!(m.count("IfcDoor") >= 1);
    assert!(m.count("IfcStairFlight") >= 1);
    let data: ModelData = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(data, m.to_data(), "the example is already in normal form");
}

/// The project's generated house (tests/fixtures, see its README) in five
/// variants: every measure must come out the same in SI whatever the unit.
mod house_fixtures {
    use super::*;
    use std::collections::BTreeMap;

    fn fixture(name: &str) -> Model {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/models")
            .join(name);
        let m = load_file(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(m.warnings().is_empty(), "{name}: {:?}", m.warnings());
        m
    }

    /// Every number in the model by (element, where).
    fn numbers(m: &Model) -> BTreeMap<(String, String), f64> {
        let mut out = BTreeMap::new();
        for e in m.elements() {
            for a in &e.attributes {
                if let Some(x) = a.value.as_f64() {
                    out.insert((e.id.clone(), format!("attribute {}", a.name)), x);
                }
            }
            for s in &e.property_sets {
                for p in &s.properties {
                    if let Some(x) = p.value.as_f64() {
                        out.insert((e.id.clone(), format!("{}.{}", s.name, p.name)), x);
                    }
                }
            }
        }
        out
    }

    fn same_numbers(a: &Model, b: &Model, label: &str) {
        let (na, nb) = (numbers(a), numbers(b));
        assert_eq!(
            na.keys().collect::<Vec<_>>(),
            nb.keys().collect::<Vec<_>>(),
            "{label}: different values present"
        );
        for (k, x) in &na {
            let y = nb[k];
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                "{label}: {k:?}: {x} vs {y}"
            );
        }
        assert!(na.len() > 50, "{label}: only {} numbers", na.len());
    }

    #[test]
    fn units_do_not_change_si_values() {
        let m = fixture("house-ifc4-m.ifc");
        same_numbers(&m, &fixture("house-ifc4-mm.ifc"), "IFC4 m vs mm");
        same_numbers(&m, &fixture("house-ifc4-ft.ifc"), "IFC4 m vs ft");
        same_numbers(
            &fixture("house-ifc2x3-m.ifc"),
            &fixture("house-ifc2x3-mm.ifc"),
            "IFC2X3 m vs mm",
        );
    }

    #[test]
    fn documented_values() {
        for name in [
            "house-ifc4-m.ifc",
            "house-ifc4-mm.ifc",
            "house-ifc4-ft.ifc",
            "house-ifc2x3-m.ifc",
            "house-ifc2x3-mm.ifc",
        ] {
            let m = fixture(name);
            let ifc4 = m.schema() == "IFC4";
            assert_eq!(m.count("IfcProduct"), 43, "{name}");
            let ground = "3BPMuSUfvSieVZjEsUDTrh";
            let first = "3nNmcptxfMO9PpdX3HZSu4";
            let storeys: Vec<_> = m
                .storeys()
                .iter()
                .map(|s| (s.id.as_str(), s.elevation.unwrap()))
                .collect();
            assert_eq!(storeys.len(), 2);
            assert_eq!(storeys[0].0, ground);
            assert!(close(storeys[1].1, 3.0), "{name}: {storeys:?}");
            let get = |id: &str| m.get(id).unwrap_or_else(|| panic!("{name}: {id}"));
            // SF-good: attributes, storey through the stair it is part of
            let sf = get("2NWPCFW0PVmwmKgh9PhsLq");
            assert!(
                close(
                    sf.attribute("RiserHeight").unwrap().as_length().unwrap(),
                    0.17
                ),
                "{name}"
            );
            let risers = if ifc4 {
                "NumberOfRisers"
            } else {
                "NumberOfRiser"
            };
            assert_eq!(sf.attribute(risers), Some(&Value::Integer(16)), "{name}");
            assert_eq!(sf.storey.as_deref(), Some(ground), "{name}");
            assert_eq!(
                get("13_PprCqjNE8lY5vN_DtZe").storey.as_deref(),
                Some(first),
                "{name}"
            );
            // SF-typed: riser inherited from the type, tread overridden
            let typed = get("1sJhH8mgnQnACkHz4SSdIm");
            let p = |n: &str| {
                typed
                    .property("Pset_StairFlightCommon", n)
                    .unwrap()
                    .as_length()
                    .unwrap()
            };
            assert!(close(p("RiserHeight"), 0.165), "{name}");
            assert!(close(p("TreadLength"), 0.26), "{name}");
            // D-narrow inherits; D-ext-short overrides IsExternal
            let narrow = get("2TeTY$BiDPbw7pKXtiySBw");
            assert_eq!(
                narrow.property("Pset_DoorCommon", "IsExternal"),
                Some(&Value::Boolean(false))
            );
            assert_eq!(
                narrow.property("Pset_DoorCommon", "FireRating"),
                Some(&Value::Text("EI30".into()))
            );
            assert!(close(
                narrow
                    .attribute("OverallWidth")
                    .unwrap()
                    .as_length()
                    .unwrap(),
                0.7
            ));
            let short = get("3jf2skUQ5VZPvn7tHzVH4O");
            assert_eq!(
                short.property("Pset_DoorCommon", "IsExternal"),
                Some(&Value::Boolean(true))
            );
            // D-qto-only: IFC4 Qto set, IFC2X3 BaseQuantities
            let qto = if ifc4 {
                "Qto_DoorBaseQuantities"
            } else {
                "BaseQuantities"
            };
            let d = get("2xhyHVn65G6xKjyI45cSSe");
            assert!(
                close(d.property(qto, "Width").unwrap().as_length().unwrap(), 0.9),
                "{name}"
            );
            assert_eq!(d.attribute("OverallWidth"), None);
            // Living room: area stays m² whatever the length unit
            let room = get("38eH$PiWfVjviMK4kj0GU$");
            let qto = if ifc4 {
                "Qto_SpaceBaseQuantities"
            } else {
                "BaseQuantities"
            };
            let area = room.property(qto, "NetFloorArea").unwrap();
            assert!(
                (area.as_f64().unwrap() - 24.5).abs() < 1e-9,
                "{name}: {area:?}"
            );
            assert_eq!(room.storey.as_deref(), Some(ground));
            if ifc4 {
                assert_eq!(sf.predefined_type.as_deref(), Some("STRAIGHT"), "{name}");
            }
        }
    }

    #[test]
    fn bench_model_loads() {
        let m = fixture("bench-1k-ifc4-mm.ifc");
        assert!(m.count("IfcProduct") >= 1000);
    }
}

#[test]
fn odd_but_readable_files() {
    // no DATA; marker, a complex instance, lower-case keywords, a comment
    let text = door_file(METRE, "0.9", "0.9", "1.", "0.")
        .replace("DATA;\n", "")
        .replace("#10=IFCDOOR(", "#10= /* door */ IfcDoor(")
        + "";
    let text = text.replace("#17=", "#30=(IFCA('x')IFCB('y'));\n#17=");
    let m = load(&text);
    let d = m.get("1hqIFTRjfV6AWq_bMtnZwI").expect("door read");
    assert_eq!(d.class, "IfcDoor");
    assert!(close(
        length(&m, "1hqIFTRjfV6AWq_bMtnZwI", "OverallWidth"),
        0.9
    ));
    let w = m.warnings().join("\n");
    assert!(w.contains("no 'DATA;' section marker"), "{w}");
    assert!(
        w.contains("entity #30 (complex): complex entity instances are not read"),
        "{w}"
    );
}

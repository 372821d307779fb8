//! Demo labs for `fieldlab seed-demo`: a civil-engineering test hall with a 3,000 kN press
//! that needs training, and a prototyping workshop with an assembly robot under a weekly quota
//! and 3D printers. Idempotent: labs already there (by name) are left as they are.

use diesel::prelude::*;

use crate::clock::DEFAULT_TIMEZONE;
use crate::db::schema::labs;
use crate::db::{new_id, now, DbConnection};
use crate::labs::models::{self, Equipment, Lab, OpeningHourRow};

struct DemoEquipment {
    name: &'static str,
    description: &'static str,
    min_minutes: i32,
    max_minutes: i32,
    requires_training: bool,
    weekly_hours_per_project: Option<i32>,
}

struct DemoLab {
    name: &'static str,
    description: &'static str,
    /// (weekday, opens, closes) in minutes.
    hours: &'static [(i32, i32, i32)],
    equipment: &'static [DemoEquipment],
}

const WEEKDAYS_8_18: &[(i32, i32, i32)] = &[
    (1, 480, 720),
    (1, 810, 1080),
    (2, 480, 720),
    (2, 810, 1080),
    (3, 480, 720),
    (3, 810, 1080),
    (4, 480, 720),
    (4, 810, 1080),
    (5, 480, 720),
    (5, 810, 1020),
];

const WORKSHOP_HOURS: &[(i32, i32, i32)] = &[
    (1, 450, 1200),
    (2, 450, 1200),
    (3, 450, 1200),
    (4, 450, 1200),
    (5, 450, 1200),
    (6, 540, 780),
];

const LABS: &[DemoLab] = &[
    DemoLab {
        name: "Hall d'essais génie civil",
        description: "Essais mécaniques sur bétons, mortiers et matériaux biosourcés.",
        hours: WEEKDAYS_8_18,
        equipment: &[
            DemoEquipment {
                name: "Presse hydraulique 3 000 kN",
                description: "Compression et fluage d'éprouvettes de béton (jusqu'à 3 000 kN). \
                              Formation obligatoire.",
                min_minutes: 60,
                max_minutes: 240,
                requires_training: true,
                weekly_hours_per_project: Some(8),
            },
            DemoEquipment {
                name: "Enceinte climatique",
                description: "Vieillissement accéléré, −40 °C à +180 °C, 10 à 98 % HR.",
                min_minutes: 120,
                max_minutes: 480,
                requires_training: false,
                weekly_hours_per_project: None,
            },
        ],
    },
    DemoLab {
        name: "Atelier prototypage mécatronique",
        description: "Assemblage et fabrication additive pour les projets incubés et les missions.",
        hours: WORKSHOP_HOURS,
        equipment: &[
            DemoEquipment {
                name: "Robot d'assemblage 6 axes",
                description:
                    "Bras collaboratif, charge utile 10 kg, pour assembler des séries courtes.",
                min_minutes: 60,
                max_minutes: 480,
                requires_training: true,
                weekly_hours_per_project: Some(6),
            },
            DemoEquipment {
                name: "Imprimante 3D FDM n° 1",
                description: "Plateau 300 × 300 × 400 mm, PLA, PETG, ABS.",
                min_minutes: 30,
                max_minutes: 480,
                requires_training: false,
                weekly_hours_per_project: None,
            },
            DemoEquipment {
                name: "Imprimante 3D FDM n° 2",
                description: "Plateau 300 × 300 × 400 mm, PLA, PETG, TPU.",
                min_minutes: 30,
                max_minutes: 480,
                requires_training: false,
                weekly_hours_per_project: None,
            },
            DemoEquipment {
                name: "Imprimante 3D résine",
                description: "Stéréolithographie, pièces de précision.",
                min_minutes: 30,
                max_minutes: 360,
                requires_training: false,
                weekly_hours_per_project: Some(10),
            },
        ],
    },
];

/// Creates the demo labs that are not there yet.
pub fn seed_demo(conn: &mut DbConnection) -> anyhow::Result<()> {
    conn.transaction::<_, anyhow::Error, _>(|conn| {
        for demo in LABS {
            let exists: bool = diesel::select(diesel::dsl::exists(
                labs::table.filter(labs::name.eq(demo.name)),
            ))
            .get_result(conn)?;
            if exists {
                continue;
            }
            let lab = Lab {
                id: new_id(),
                name: demo.name.into(),
                description: demo.description.into(),
                timezone: DEFAULT_TIMEZONE.name().into(),
                created_at: now(),
            };
            let hours: Vec<_> = demo
                .hours
                .iter()
                .map(|&(weekday, opens, closes)| OpeningHourRow {
                    id: new_id(),
                    lab_id: lab.id.clone(),
                    weekday,
                    opens_minute: opens,
                    closes_minute: closes,
                })
                .collect();
            models::insert_lab(conn, &lab, &hours)?;
            for e in demo.equipment {
                models::insert_equipment(
                    conn,
                    &Equipment {
                        id: new_id(),
                        lab_id: lab.id.clone(),
                        name: e.name.into(),
                        description: e.description.into(),
                        min_minutes: e.min_minutes,
                        max_minutes: e.max_minutes,
                        requires_training: e.requires_training,
                        weekly_hours_per_project: e.weekly_hours_per_project,
                        created_at: now(),
                    },
                )?;
            }
        }
        Ok(())
    })
}

//! `hearth category add|edit|remove`: the community's categories. Saved with a higher clock; a
//! running control node republishes the description.

use clap::Subcommand;
use serde_json::json;

use super::community::DataDir;
use crate::community::CommunityStore;
use crate::community::edit;

#[derive(Subcommand, Debug)]
pub enum CategoryCommand {
    /// Add a category, last in order.
    Add {
        #[command(flatten)]
        dir: DataDir,
        name: String,
    },
    /// Rename or move a category (by name or id).
    Edit {
        #[command(flatten)]
        dir: DataDir,
        category: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        position: Option<i32>,
    },
    /// Remove a category (by name or id); its channels stay, uncategorized.
    Remove {
        #[command(flatten)]
        dir: DataDir,
        category: String,
    },
}

pub fn run(cmd: CategoryCommand) -> Result<(), Box<dyn std::error::Error>> {
    match cmd {
        CategoryCommand::Add { dir, name } => {
            let mut store = CommunityStore::open(&dir.data_dir)?;
            let id = store.update(|d| {
                let id = edit::add_category(d, &name)?;
                edit::validate(d)?;
                Ok(id)
            })?;
            println!("{}", json!({ "added": id, "name": name }));
        }
        CategoryCommand::Edit {
            dir,
            category,
            name,
            position,
        } => {
            let mut store = CommunityStore::open(&dir.data_dir)?;
            store.update(|d| {
                edit::edit_category(d, &category, name.as_deref(), position)?;
                edit::validate(d)
            })?;
            println!("{}", json!({ "edited": category }));
        }
        CategoryCommand::Remove { dir, category } => {
            let mut store = CommunityStore::open(&dir.data_dir)?;
            store.update(|d| edit::remove_category(d, &category))?;
            println!("{}", json!({ "removed": category }));
        }
    }
    eprintln!("saved; a running node republishes the description");
    Ok(())
}
